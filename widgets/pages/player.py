"""The scenario player: a branching story, one step at a time, kept in the journal.

Each scenario is one component (:class:`ScenarioPlayer`): its card (title, summary and status)
and the player itself (the story so far, a button per choice, Back and Start again, and at an
ending the debrief with links to the prompts to take further), drawn in the browser.
The browser is sent the whole story once, as data: each step's text (HTML made here, every
piece of it escaped) and its choices. It walks the story itself when a choice is made, so a step
follows at once even if the server has gone; it keeps where the learner is (a scenario record,
as :meth:`~widgets.reports.runs.ScenarioRun.record` makes it) in its own storage until the
journal has it, and sends it. Python checks that the record is one the story could lead to by
real choices, saves it and replies with the card's new status.

Every change is saved to the journal, so a reload or another module finds the learner where
they were, and the closing module can list the endings reached.
"""

from __future__ import annotations

from html import escape
from typing import Any

import traitlets

from ..content import Course, Node, Scenario
from ..controls import page_href, status_html
from ..journal import Session
from ..journal.record import MAX_PATH_STEPS, sound_time
from ..reports.runs import ScenarioRun, scenario_status
from .component import Component, Reply, component_esm

__all__ = ["ScenarioPlayer", "prompt_links_html", "stakes_html"]

AT_THE_BEGINNING = "You are at the beginning of this scenario."
NO_SUCH_CHOICE = "There is no such choice at this point of the scenario, so nothing changed."
NOT_THIS_SCENARIO = "That change is for another scenario, not this one, so nothing was saved."
NOT_A_PLACE = "What arrived was not a place in this scenario, so nothing was saved."
NOT_A_PATH = "That path cannot be taken through this scenario by its choices, so nothing was saved."
NOT_ITS_ENDINGS = "The endings that arrived do not fit this scenario, so nothing was saved."
RECORD_KEYS = {"path", "ending", "endings"}


def _paragraphs(node: Node, field: str = "text") -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in node.paragraphs(field))


def stakes_html(scenario: Scenario, course: Course) -> str:
    domains = ", ".join(escape(course.domain(d).title) for d in scenario.domains)
    stages = ", ".join(escape(course.stage(s).title.lower()) for s in scenario.stages)
    return f"<p class='sb-stakes'><strong>At stake:</strong> {domains} ({stages}).</p>"


def prompt_links_html(node: Node, course: Course) -> str:
    items = []
    for prompt_id in node.prompts:
        prompt = course.prompt(prompt_id)
        module = course.module_for(prompt.domain)
        items.append(
            f'<li><a href="{page_href(module.file)}" target="_self">{escape(module.title)}</a>, '
            f"{escape(course.stage(prompt.stage).title.lower())}: {escape(prompt.text)}</li>"
        )
    return (
        "<p><strong>Prompts to take further</strong> (answer them in their modules):</p>"
        f"<ul class='sb-prompt-links'>{''.join(items)}</ul>"
    )


def _body_html(node: Node, scenario: Scenario, course: Course) -> str:
    """A step's story below its heading (which the browser draws: it counts the steps)."""
    if node.is_ending:
        return (
            f"{_paragraphs(node)}<div class='sb-debrief'><h5>Debrief</h5>"
            f"{stakes_html(scenario, course)}{_paragraphs(node, 'debrief')}"
            f"{prompt_links_html(node, course)}</div>"
            "<p class='sb-replay'>You can go back a step or start again to try another "
            "path.</p>"
        )
    return f"{_paragraphs(node)}<p class='sb-ask'>What do you do?</p>"


def _heading_html(node: Node, decisions: int) -> str:
    # The heading of each step takes keyboard focus when a choice leads to it, so focus is
    # never lost when the button pressed disappears.
    focus = 'tabindex="-1" data-sb-focus'
    if node.is_ending:
        return f"<h4 class='sb-ending-title' {focus}>Ending: {escape(node.ending or '')}</h4>"
    return f"<h4 class='sb-step' {focus}>Step {decisions + 1}</h4>"


def _trail_html(made: list[str]) -> str:
    if not made:
        return ""
    steps = "".join(f"<li>{escape(label)}</li>" for label in made)
    return (
        f"<details class='sb-trail'><summary>Your choices so far ({len(made)})</summary>"
        f"<ol>{steps}</ol></details>"
    )


class ScenarioPlayer(Component):
    """One scenario's card, played step by step in the browser, saved to the journal.

    ``choose``, ``back`` and ``restart`` make a step exactly as the browser does: they work out
    the new record and send it through :meth:`receive`. Observe ``moves`` (a count, never sent
    to the browser) to hear of every step taken, undone or arriving from elsewhere.
    """

    _esm = component_esm("player.js")
    title = traitlets.Unicode("").tag(sync=True)
    summary = traitlets.Unicode("").tag(sync=True)
    #: The journal key of this scenario's record, and its first step.
    key = traitlets.Unicode("").tag(sync=True)
    start = traitlets.Unicode("").tag(sync=True)
    #: The whole story: for each step its id, its ending's title (or None), the HTML of its
    #: story below the heading, and its choices as labels and the ids of the steps they lead to.
    nodes = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: Where the learner is, as the journal holds it, and when that was saved ("" if never).
    record = traitlets.Dict().tag(sync=True)
    updated = traitlets.Unicode("").tag(sync=True)
    #: The card's status: not started, in progress, or the endings reached.
    progress = traitlets.Unicode("").tag(sync=True)
    beginning = traitlets.Unicode(AT_THE_BEGINNING).tag(sync=True)
    moves = traitlets.Int(0)

    def __init__(self, scenario: Scenario, course: Course, session: Session, **kwargs: Any):
        self.scenario = scenario
        self.course = course
        nodes = [
            {
                "id": node.id,
                "ending": node.ending if node.is_ending else None,
                "html": _body_html(node, scenario, course),
                "choices": [{"label": c.label, "next": c.next} for c in node.choice],
            }
            for node in scenario.node
        ]
        super().__init__(
            session,
            title=scenario.title,
            summary=scenario.summary,
            key=f"scenario/{scenario.id}",
            start=scenario.start,
            nodes=nodes,
            **kwargs,
        )
        self._said = ""
        self._draw()
        session.observe(lambda _change: self._draw(), names="revision")

    def _draw(self) -> None:
        """Put the journal's record in the state; count a move if it is a different one."""
        entry = self.session.journal.get(self.key)
        saved = entry.value if entry else None
        record = ScenarioRun(self.scenario, saved).record()
        moved = bool(self.record) and record != self.record
        with self.hold_sync():
            self.record = record
            self.updated = entry.updated if entry else ""
            self.progress = scenario_status(self.scenario, saved)
        if moved:
            self.moves += 1

    # -- the learner's moves, made as the browser makes them ---------------------------
    @property
    def run(self) -> ScenarioRun:
        """Where the learner is (a copy: changing it changes nothing here)."""
        return ScenarioRun(self.scenario, self.record)

    def choose(self, index: int) -> Reply:
        run = self.run
        try:
            run.choose(index)
        except ValueError:
            return self._tell(Reply(False, NO_SUCH_CHOICE, True))
        return self._move(run)

    def back(self) -> Reply:
        run = self.run
        # Back and Start again stay enabled (a disabled button drops keyboard focus); at the
        # beginning they only say so.
        if run.decisions == 0:
            return self._tell(Reply(False, self.beginning))
        run.back()
        return self._move(run)

    def restart(self) -> Reply:
        run = self.run
        if run.decisions == 0:
            return self._tell(Reply(False, self.beginning))
        run.restart()
        return self._move(run)

    def _move(self, run: ScenarioRun) -> Reply:
        reply = self.receive({"kind": "edit", "key": self.key, "value": run.record()})
        self._said = status_html(reply.message, problem=reply.problem)
        return reply

    def _tell(self, reply: Reply) -> Reply:
        """What the browser says by itself, with nothing sent."""
        self.last_reply = reply
        self._said = status_html(reply.message, problem=reply.problem)
        return reply

    # -- the server's half ---------------------------------------------------------------
    def edit(self, content: dict[str, Any]) -> Reply:
        if content.get("key") != self.key:
            return Reply(False, NOT_THIS_SCENARIO, True)
        value = content.get("value")
        refusal = self._refusal(value)
        if refusal is not None or not isinstance(value, dict):
            # Nothing the player offers leads here: the browser goes back to the journal's.
            return Reply(False, refusal or NOT_A_PLACE, True, extra={"refused": True})
        journal = self.session.journal
        if journal.set(self.key, value, when=sound_time(content.get("updated"))):
            why = self.save_failed()
            if why is not None:
                return Reply(
                    False,
                    f"Not saved: the journal file could not be written ({why}). Where you are "
                    "in this scenario is kept in this web browser until it can be; you can "
                    "carry on here.",
                    True,
                )
            self._draw()
        message = "Saved" if value["ending"] is None else "Saved: you reached an ending"
        return Reply(True, message, extra={"progress": self.progress})

    def _refusal(self, value: object) -> str | None:
        """Why ``value`` is not a record the player could have made, or None if it is."""
        if not isinstance(value, dict) or set(value) != RECORD_KEYS:
            return NOT_A_PLACE
        path, ending, endings = value["path"], value["ending"], value["endings"]
        if not isinstance(path, list) or not 0 < len(path) <= MAX_PATH_STEPS:
            return NOT_A_PLACE
        if path[0] != self.scenario.start:
            return NOT_A_PATH
        for here, there in zip(path, path[1:], strict=False):
            if not isinstance(there, str):
                return NOT_A_PATH
            if there not in {c.next for c in self.scenario.get(here).choice}:
                return NOT_A_PATH
        known = {n.id for n in self.scenario.endings}
        if (
            not isinstance(endings, list)
            or not all(isinstance(e, str) and e in known for e in endings)
            or len(set(endings)) != len(endings)
        ):
            return NOT_ITS_ENDINGS
        last = self.scenario.get(path[-1])
        if ending != (last.id if last.is_ending else None):
            return NOT_A_PATH
        if last.is_ending and last.id not in endings:
            return NOT_ITS_ENDINGS
        if ScenarioRun(self.scenario, value).record() != value:
            return NOT_A_PATH
        return None

    # -- what the browser shows, for Python code and tests -------------------------------
    @property
    def story_html(self) -> str:
        """The story as the browser draws it: the choices so far and the current step."""
        run = self.run
        return (
            _trail_html(run.choices_made())
            + _heading_html(run.node, run.decisions)
            + _body_html(run.node, self.scenario, self.course)
        )

    @property
    def choice_labels(self) -> list[str]:
        return [c.label for c in self.run.node.choice]

    @property
    def status(self) -> str:
        """The player's status line, as the browser draws it after the last move."""
        return self._said
