"""The action plan: concrete steps a learner takes to their team, gathered in one place.

From any domain module the learner adds an action for one of its stages (what, who with, by
when, how they will know it worked). The closing module gathers every action: reorder, edit,
mark done, delete. Actions live in the journal like everything else; the browser sets learner
text as text, never as HTML, and it is escaped wherever else it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import traitlets

from ..content import Course
from ..controls import status_html
from ..journal import ACTION_TEXT_LIMITS, JournalError, Session
from .component import Component, Reply, component_esm

FIELDS = {
    "what": "What will you do?",
    "who": "Who with?",
    "by": "By when?",
    "measure": "How will you know it has worked?",
}


def check_action(values: dict[str, Any], course: Course) -> dict[str, str]:
    """An action's fields as the journal keeps them, or :class:`JournalError` saying why not."""
    found: dict[str, str] = {}
    for name in FIELDS:
        value = values.get(name, "")
        if not isinstance(value, str):
            raise JournalError(f"What arrived for '{FIELDS[name]}' was not text.")
        found[name] = value.strip()
    if not found["what"]:
        raise JournalError("Say what you will do before adding the action.")
    for name, limit in ACTION_TEXT_LIMITS.items():
        if len(found[name]) > limit:
            raise JournalError(f"'{FIELDS[name]}' is longer than {limit} characters.")
    domain, stage = values.get("domain"), values.get("stage")
    if domain not in {d.key for d in course.domains}:
        raise JournalError("That is not one of the course's five domains.")
    if stage not in {s.key for s in course.stages}:
        raise JournalError("That is not one of the four stages.")
    return {**found, "domain": str(domain), "stage": str(stage)}


def field_inputs() -> list[dict[str, Any]]:
    """An action's fields for the browser: name, label, longest length, and whether long."""
    return [
        {
            "name": name,
            "label": label,
            "limit": ACTION_TEXT_LIMITS[name],
            "long": name in {"what", "measure"},
        }
        for name, label in FIELDS.items()
    ]


class ActionForm(Component):
    """Add an action to the plan from a domain module: one component, drawn in the browser.

    What the learner types stays in this browser as a draft until the action is added, so a
    reload or a server that went away loses nothing.
    """

    _esm = component_esm("actions.js")
    handlers: ClassVar[dict[str, str]] = {"add": "add_from_browser"}
    domain = traitlets.Unicode("").tag(sync=True)
    domain_title = traitlets.Unicode("").tag(sync=True)
    stages = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: Each field: its name, label, longest length, and whether it is a long (several-line) one.
    inputs = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(self, course: Course, session: Session, domain: str, **kwargs: Any):
        self.course = course
        super().__init__(
            session,
            domain=domain,
            domain_title=course.domain(domain).title,
            stages=[{"key": s.key, "title": s.title} for s in course.stages],
            inputs=field_inputs(),
            **kwargs,
        )
        self._status = ""

    @property
    def status(self) -> str:
        """The form's status line, as the browser draws it."""
        return self._status

    @property
    def labels(self) -> list[str]:
        return [field["label"] for field in self.inputs]

    def add(self, what: str, stage: str = "general", **extra: str) -> str | None:
        """Add an action, as the learner's press of the button does; its id, or None."""
        values = {"what": what, "stage": stage, "domain": self.domain, **extra}
        reply = self.receive({"kind": "add", "values": values})
        self._status = status_html(reply.message, problem=reply.problem)
        return (reply.extra or {}).get("added")

    def add_from_browser(self, content: dict[str, Any]) -> Reply:
        values = content.get("values")
        if not isinstance(values, dict) or set(values) - {*FIELDS, "domain", "stage"}:
            return Reply(False, "What arrived was not an action, so nothing was added.", True)
        if values.get("domain") != self.domain:
            return Reply(False, "Actions added here are for this module's domain.", True)
        try:
            checked = check_action(values, self.course)
        except JournalError as exc:
            return Reply(False, f"Not added. {exc}", True)
        journal = self.session.journal
        action_id = journal.add_action(**checked)
        why = self.save_failed()
        if why is not None:
            journal.delete_action(action_id)
            return Reply(
                False,
                f"Not added: the journal file could not be written ({why}). What you wrote is "
                "still in the form.",
                True,
            )
        self.session.changed()
        count = len(journal.actions())
        return Reply(
            True,
            f"Added. Your action plan now has {count} action{'s' if count != 1 else ''}; "
            "you will find it in the closing module.",
            extra={"added": action_id},
        )


#: What the plan says when it holds no action (and where focus goes when the last one goes).
EMPTY_PLAN = (
    "Your action plan is empty. Each domain module has a short form near its end for adding an "
    "action to take to your team."
)
AT_THE_END = "It is already at that end of the plan."
NOT_IN_PLAN = "That action is no longer in your plan."
NOT_A_STEP = "An action moves one place up or down at a time, so nothing was moved."
NOT_DONE_OR_NOT = "What arrived did not say whether the action is done, so nothing changed."
NOT_AN_EDIT = "What arrived was not an action, so nothing was saved."


class ActionPlan(Component):
    """Every action, in the learner's order: move, edit, mark done, delete. One component.

    The browser draws the plan from :attr:`actions`. Moving, marking done, deleting and saving
    an edit are sent to Python, which checks each against the journal, saves it and sends the
    plan back. An action is edited in the browser (no round trip to open the form), its draft
    kept in this browser until it is saved or cancelled. :meth:`move`, :meth:`set_done`,
    :meth:`delete` and :meth:`save_edit` make a change exactly as the browser does.
    """

    _esm = component_esm("plan.js")
    handlers: ClassVar[dict[str, str]] = {
        "move": "move_from_browser",
        "done": "done_from_browser",
        "delete": "delete_from_browser",
        "save": "save_from_browser",
    }
    #: The plan as the browser draws it: each action's id, position (from 1), its four fields,
    #: its domain and stage (key and title) and whether it is done. Text only: the browser sets
    #: every piece of it as text, never as HTML.
    actions = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: The choices of an action's domain and stage when it is edited (key and title).
    domains = traitlets.List(traitlets.Dict()).tag(sync=True)
    stages = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: Each field: its name, label, longest length, and whether it is a long (several-line) one.
    inputs = traitlets.List(traitlets.Dict()).tag(sync=True)
    empty = traitlets.Unicode(EMPTY_PLAN).tag(sync=True)
    #: The action whose heading takes keyboard focus after a change redraws the plan (None: the
    #: empty plan's paragraph, or nothing). It takes the place of ipywidgets' ``DOMWidget.focus()``
    #: method, which the course never calls.
    focus = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(self, course: Course, session: Session, **kwargs: Any):
        self.course = course
        super().__init__(
            session,
            domains=[{"key": d.key, "title": d.title} for d in course.domains],
            stages=[{"key": s.key, "title": s.title} for s in course.stages],
            inputs=field_inputs(),
            **kwargs,
        )
        self._status = ""
        self._draw()
        session.observe(lambda _change: self._draw(), names="revision")

    # -- reading the state ---------------------------------------------------------------
    @property
    def status(self) -> str:
        """The plan's status line, as the browser draws it after the last change."""
        return self._status

    @property
    def titles(self) -> list[str]:
        """Each action's heading, as the browser draws it."""
        return [
            f"{a['position']}. {a['what']}" + (" (done)" if a["done"] else "") for a in self.actions
        ]

    def _draw(self) -> None:
        """Put the journal's plan in the state."""
        domains = {d["key"]: d["title"] for d in self.domains}
        stages = {s["key"]: s["title"] for s in self.stages}
        drawn = [
            {
                "id": action_id,
                "position": position,
                **{name: action[name] for name in FIELDS},
                "domain": action["domain"],
                "domain_title": domains.get(action["domain"], action["domain"]),
                "stage": action["stage"],
                "stage_title": stages.get(action["stage"], action["stage"]),
                "done": action["done"],
            }
            for position, (action_id, action) in enumerate(self.session.journal.actions(), start=1)
        ]
        if drawn != self.actions:
            self.actions = drawn

    # -- changes, made as the browser makes them -----------------------------------------
    def move(self, action_id: str, step: int) -> bool:
        return self._change({"kind": "move", "id": action_id, "step": step})

    def set_done(self, action_id: str, done: bool) -> bool:
        return self._change({"kind": "done", "id": action_id, "done": done})

    def delete(self, action_id: str) -> bool:
        return self._change({"kind": "delete", "id": action_id})

    def save_edit(self, action_id: str, **values: str) -> bool:
        """Save an edit of an action; fields not given keep their value, as the form starts."""
        current = dict(self.session.journal.actions()).get(action_id, {})
        edited = {name: current.get(name, "") for name in (*FIELDS, "domain", "stage")}
        return self._change({"kind": "save", "id": action_id, "values": {**edited, **values}})

    def _change(self, content: dict[str, Any]) -> bool:
        reply = self.receive(content)
        self._status = status_html(reply.message, problem=reply.problem)
        return reply.saved

    # -- the server's half ---------------------------------------------------------------
    def _in_plan(self, content: dict[str, Any]) -> str | None:
        action_id = content.get("id")
        ids = {a for a, _ in self.session.journal.actions()}
        return action_id if isinstance(action_id, str) and action_id in ids else None

    def move_from_browser(self, content: dict[str, Any]) -> Reply:
        action_id = self._in_plan(content)
        if action_id is None:
            return Reply(False, NOT_IN_PLAN, True)
        step = content.get("step")
        if type(step) is not int or step not in (-1, 1):
            return Reply(False, NOT_A_STEP, True)
        ids = [a for a, _ in self.session.journal.actions()]
        i = ids.index(action_id)
        j = i + step
        if not 0 <= j < len(ids):
            # No button is ever disabled (a disabled button drops keyboard focus); at the ends
            # of the plan, moving further says so instead.
            return Reply(False, AT_THE_END)
        ids[i], ids[j] = ids[j], ids[i]

        def reorder() -> None:
            for order, other in enumerate(ids):
                self.session.journal.update_action(other, order=order)

        message = "Moved " + ("up." if step < 0 else "down.")
        return self._apply("move", action_id, reorder, message, action_id)

    def done_from_browser(self, content: dict[str, Any]) -> Reply:
        action_id = self._in_plan(content)
        if action_id is None:
            return Reply(False, NOT_IN_PLAN, True)
        done = content.get("done")
        if not isinstance(done, bool):
            return Reply(False, NOT_DONE_OR_NOT, True)
        return self._apply(
            "done",
            action_id,
            lambda: self.session.journal.update_action(action_id, done=done),
            "Marked as done." if done else "Marked as not done yet.",
            action_id,
        )

    def delete_from_browser(self, content: dict[str, Any]) -> Reply:
        action_id = self._in_plan(content)
        if action_id is None:
            return Reply(False, NOT_IN_PLAN, True)
        ids = [a for a, _ in self.session.journal.actions()]
        i = ids.index(action_id)
        neighbour = ids[i + 1] if i + 1 < len(ids) else (ids[i - 1] if i else None)
        return self._apply(
            "delete",
            action_id,
            lambda: self.session.journal.delete_action(action_id),
            "Deleted from your plan.",
            neighbour,
        )

    def save_from_browser(self, content: dict[str, Any]) -> Reply:
        action_id = self._in_plan(content)
        if action_id is None:
            return Reply(False, NOT_IN_PLAN, True)
        values = content.get("values")
        if not isinstance(values, dict) or set(values) - {*FIELDS, "domain", "stage"}:
            return Reply(False, NOT_AN_EDIT, True)
        try:
            checked = check_action(values, self.course)
        except JournalError as exc:
            return Reply(False, f"Not saved. {exc}", True)
        return self._apply(
            "save",
            action_id,
            lambda: self.session.journal.update_action(action_id, **checked),
            "Saved.",
            action_id,
        )

    def _apply(
        self,
        kind: str,
        action_id: str,
        change: Callable[[], object],
        message: str,
        focus: str | None,
    ) -> Reply:
        """Make a change to the plan and save it; if it cannot be saved, the plan is as it was."""
        journal = self.session.journal
        before = {key: journal.get(f"action/{key}") for key, _ in journal.actions()}
        change()
        why = self.save_failed()
        if why is not None:
            for key, entry in before.items():
                if entry is not None:
                    journal.set(f"action/{key}", entry.value)
            self._draw()
            return Reply(
                False,
                f"Not saved: the journal file could not be written ({why}). Your plan is as it "
                "was" + (", and your changes are still in the form." if kind == "save" else "."),
                True,
            )
        # The plan is drawn again first, so that it has changed by the time the status is said.
        with self.hold_sync():
            self.focus = focus
            self._draw()
        # Other views of the plan on the page (the CPD record lists its actions) draw it again.
        self.session.changed()
        return Reply(True, message, extra={"id": action_id, "change": kind})
