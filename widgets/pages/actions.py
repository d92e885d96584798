"""The action plan: concrete steps a learner takes to their team, gathered in one place.

From any domain module the learner adds an action for one of its stages (what, who with, by
when, how they will know it worked). The closing module gathers every action: reorder, edit,
mark done, delete. Actions live in the journal like everything else; learner text is escaped
wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any, ClassVar

import ipywidgets as w
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


class ActionFields(w.VBox):
    """The labelled fields of one action, with the limits the journal keeps (editing a plan)."""

    def __init__(self, course: Course, domain: str | None, values: dict[str, Any] | None = None):
        values = values or {}
        self.course = course
        self.inputs = {}
        for name, label in FIELDS.items():
            kind = w.Textarea if name in {"what", "measure"} else w.Text
            box = kind(
                value=values.get(name, ""),
                description=label,
                layout=w.Layout(width="100%", flex_flow="column"),
            )
            box.add_class("sb-action-field")
            self.inputs[name] = box
        self.domain = w.Dropdown(
            options=[(d.title, d.key) for d in course.domains],
            value=values.get("domain", domain or course.domains[0].key),
            description="Domain",
            disabled=domain is not None,
        )
        self.stage = w.Dropdown(
            options=[(s.title, s.key) for s in course.stages],
            value=values.get("stage", course.stages[0].key),
            description="Stage",
        )
        for dropdown in (self.domain, self.stage):
            dropdown.style.description_width = "initial"
        super().__init__([*self.inputs.values(), w.HBox([self.domain, self.stage])])
        self.add_class("sb-action-fields")

    def values(self) -> dict[str, str]:
        found = {name: box.value for name, box in self.inputs.items()}
        return check_action(
            {**found, "domain": self.domain.value, "stage": self.stage.value}, self.course
        )


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
            inputs=[
                {
                    "name": name,
                    "label": label,
                    "limit": ACTION_TEXT_LIMITS[name],
                    "long": name in {"what", "measure"},
                }
                for name, label in FIELDS.items()
            ],
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


class ActionPlan(w.VBox):
    """Every action, in the learner's order: move, edit, mark done, delete."""

    def __init__(self, course: Course, session: Session, **kwargs: Any):
        self.course = course
        self._session = session
        self.list = w.VBox()
        self.status = w.HTML()
        self.status.add_class("sb-status")
        self.editing: str | None = None
        #: The action whose heading takes focus after a change redraws the list.
        self.focus: str | None = None
        super().__init__([self.list, self.status], **kwargs)
        self.add_class("sb-action-plan")
        self.draw()
        session.observe(lambda _change: self.draw(), names="revision")

    # -- actions -------------------------------------------------------------------------
    def _apply(self, change: Callable[[], object], message: str, focus: str | None = None) -> bool:
        try:
            change()
            self._session.save()
        except (OSError, JournalError) as exc:
            self.status.value = status_html(f"Not saved. {exc}", problem=True)
            return False
        # Redraw first, so the list has changed by the time the status is announced.
        self.focus = focus
        self.draw()
        self.status.value = status_html(message)
        return True

    def move(self, action_id: str, step: int) -> bool:
        ids = [a for a, _ in self._session.journal.actions()]
        i = ids.index(action_id)
        j = i + step
        if not 0 <= j < len(ids):
            self.status.value = status_html("It is already at that end of the plan.")
            return False
        ids[i], ids[j] = ids[j], ids[i]

        def reorder() -> None:
            for order, other in enumerate(ids):
                self._session.journal.update_action(other, order=order)

        return self._apply(reorder, "Moved " + ("up." if step < 0 else "down."), action_id)

    def set_done(self, action_id: str, done: bool) -> bool:
        return self._apply(
            lambda: self._session.journal.update_action(action_id, done=done),
            "Marked as done." if done else "Marked as not done yet.",
            action_id,
        )

    def delete(self, action_id: str) -> bool:
        ids = [a for a, _ in self._session.journal.actions()]
        i = ids.index(action_id)
        neighbour = ids[i + 1] if i + 1 < len(ids) else (ids[i - 1] if i else None)
        return self._apply(
            lambda: self._session.journal.delete_action(action_id),
            "Deleted from your plan.",
            neighbour,
        )

    def edit(self, action_id: str) -> None:
        self.editing = action_id
        self.draw()

    def save_edit(self, action_id: str, fields: ActionFields) -> bool:
        try:
            values = fields.values()
        except JournalError as exc:
            self.status.value = status_html(f"Not saved. {exc}", problem=True)
            return False
        self.editing = None
        return self._apply(
            lambda: self._session.journal.update_action(action_id, **values), "Saved.", action_id
        )

    # -- view ----------------------------------------------------------------------------
    def draw(self) -> None:
        actions = self._session.journal.actions()
        if not actions:
            self.list.children = [
                w.HTML(
                    '<p tabindex="-1" data-sb-focus>Your action plan is empty. Each domain '
                    "module has a short form near its end for adding an action to take to your "
                    "team.</p>"
                )
            ]
            return
        rows = []
        for position, (action_id, action) in enumerate(actions, start=1):
            rows.append(self._row(position, len(actions), action_id, action))
        self.list.children = rows

    def _row(self, position: int, total: int, action_id: str, action: dict[str, Any]) -> w.Widget:
        if self.editing == action_id:
            fields = ActionFields(self.course, None, action)
            save = w.Button(description=f"Save action {position}", layout=w.Layout(width="auto"))
            save.on_click(lambda _b: self.save_edit(action_id, fields))
            cancel = w.Button(description="Cancel", layout=w.Layout(width="auto"))
            cancel.on_click(lambda _b: self.edit(""))
            box = w.VBox([fields, w.HBox([save, cancel])])
            box.add_class("sb-action")
            return box
        domain = self.course.domain(action["domain"]).title
        stage = self.course.stage(action["stage"]).title.lower()
        details = "".join(
            f"<dt>{escape(FIELDS[name])}</dt><dd>{escape(action[name])}</dd>"
            for name in ("who", "by", "measure")
            if action[name]
        )
        done = " (done)" if action["done"] else ""
        focus = ' tabindex="-1" data-sb-focus' if action_id == self.focus else ""
        summary = w.HTML(
            f"<h3 class='sb-action-title'{focus}>{position}. {escape(action['what'])}{done}</h3>"
            f"<p class='sb-action-where'>{escape(domain)}, {escape(stage)}</p>"
            + (f"<dl class='sb-action-details'>{details}</dl>" if details else "")
        )
        tick = w.Checkbox(
            value=action["done"], description=f"Done: action {position}", indent=False
        )
        tick.observe(lambda c: self.set_done(action_id, c["new"]), names="value")
        buttons = []
        for label, handler in (
            (f"Move action {position} up", lambda _b: self.move(action_id, -1)),
            (f"Move action {position} down", lambda _b: self.move(action_id, 1)),
            (f"Edit action {position}", lambda _b: self.edit(action_id)),
            (f"Delete action {position}", lambda _b: self.delete(action_id)),
        ):
            button = w.Button(description=label, layout=w.Layout(width="auto"))
            button.on_click(handler)
            buttons.append(button)
        # No button is ever disabled (a disabled button drops keyboard focus); at the ends of
        # the plan, moving further says so instead.
        box = w.VBox([summary, tick, w.HBox(buttons)])
        box.add_class("sb-action" + (" sb-action-done" if action["done"] else ""))
        return box
