"""The scenario player: a branching story, one step at a time, kept in the journal.

The state is a :class:`~widgets.reports.runs.ScenarioRun` (plain Python): the path taken so
far, with choose, back and restart. :class:`ScenarioPlayer` is its view: the current step's
text, a button per choice, Back and Start again, and at an ending the debrief with links to
the prompts to take further.
Every change is saved to the journal, so a reload or another module finds the learner where
they were, and the closing module can list the endings reached.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as w
import traitlets

from ..content import Course, Node, Scenario
from ..controls import status_html
from ..journal import JournalError, Session
from ..reports.runs import ScenarioRun


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
            f'<li><a href="{module.file}" target="_self">{escape(module.title)}</a>, '
            f"{escape(course.stage(prompt.stage).title.lower())}: {escape(prompt.text)}</li>"
        )
    return (
        "<p><strong>Prompts to take further</strong> (answer them in their modules):</p>"
        f"<ul class='sb-prompt-links'>{''.join(items)}</ul>"
    )


class ScenarioPlayer(w.VBox):
    """One scenario, played step by step, saved to the journal on every step.

    Observe ``moves`` (a count, never sent to the browser) to hear of every step taken, undone
    or arriving from elsewhere.
    """

    moves = traitlets.Int(0)

    def __init__(self, scenario: Scenario, course: Course, session: Session, **kwargs: Any):
        self.scenario = scenario
        self.course = course
        self._session = session
        self.run = ScenarioRun(scenario, session.journal.scenario(scenario.id))
        self._story = w.HTML()
        self._story.add_class("sb-story")
        self._choices = w.VBox()
        self._choices.add_class("sb-choices")
        self._back = w.Button(description="Back one step")
        self._restart = w.Button(description="Start again")
        for button, tip in (
            (self._back, "Undo your last choice"),
            (self._restart, "Go back to the beginning of this scenario"),
        ):
            button.tooltip = tip
            button.add_class("sb-control")
        self._back.on_click(lambda _b: self._undo(self.run.back))
        self._restart.on_click(lambda _b: self._undo(self.run.restart))
        self._status = w.HTML(layout=w.Layout(min_height="1.5em"))
        self._status.add_class("sb-status")
        controls = w.HBox([self._back, self._restart])
        controls.add_class("sb-controls")
        super().__init__([self._story, self._choices, controls, self._status], **kwargs)
        self.add_class("sb-player")
        self._render()
        session.observe(lambda _change: self._refresh(), names="revision")

    def _refresh(self) -> None:
        record = self._session.journal.scenario(self.scenario.id)
        if record != self.run.record():
            self.run = ScenarioRun(self.scenario, record)
            self._render()
            self.moves += 1

    # -- actions -------------------------------------------------------------------------
    def choose(self, index: int) -> None:
        self._step(lambda: self.run.choose(index))

    def _undo(self, action: Callable[[], object]) -> None:
        # Back and Start again stay enabled (a disabled button drops keyboard focus);
        # at the beginning they only say so.
        if self.run.decisions == 0:
            self._say("You are at the beginning of this scenario.")
            return
        self._step(action)

    def _step(self, action: Callable[[], object]) -> None:
        try:
            action()
        except ValueError as exc:
            self._say(str(exc), problem=True)
            return
        self._save()
        self._render()
        self.moves += 1

    def _save(self) -> None:
        try:
            self._session.journal.set_scenario(self.scenario.id, self.run.record())
            self._session.save()
        except (OSError, JournalError) as exc:
            self._say(
                f"Your choice could not be saved ({exc}). You can carry on here.", problem=True
            )
        else:
            self._say("Saved" if not self.run.ended else "Saved: you reached an ending")

    def _say(self, message: str, problem: bool = False) -> None:
        self._status.value = status_html(message, problem=problem)

    # -- view ----------------------------------------------------------------------------
    @property
    def story_html(self) -> str:
        return str(self._story.value)

    @property
    def choice_labels(self) -> list[str]:
        return [b.description for b in self._choices.children]

    def _render(self) -> None:
        run, node = self.run, self.run.node
        made = run.choices_made()
        trail = ""
        if made:
            steps = "".join(f"<li>{escape(label)}</li>" for label in made)
            trail = f"<details class='sb-trail'><summary>Your choices so far ({len(made)})"
            trail += f"</summary><ol>{steps}</ol></details>"
        # The heading of each step takes keyboard focus when the button pressed to get here
        # disappears (see the course's page template), so focus is never lost.
        focus = 'tabindex="-1" data-sb-focus'
        if node.is_ending:
            body = (
                f"<h4 class='sb-ending-title' {focus}>Ending: {escape(node.ending or '')}</h4>"
                f"{_paragraphs(node)}<div class='sb-debrief'><h5>Debrief</h5>"
                f"{stakes_html(self.scenario, self.course)}{_paragraphs(node, 'debrief')}"
                f"{prompt_links_html(node, self.course)}</div>"
                "<p class='sb-replay'>You can go back a step or start again to try another "
                "path.</p>"
            )
        else:
            body = f"<h4 class='sb-step' {focus}>Step {run.decisions + 1}</h4>{_paragraphs(node)}"
            body += "<p class='sb-ask'>What do you do?</p>"
        self._story.value = trail + body
        buttons = []
        for i, choice in enumerate(node.choice):
            button = w.Button(description=choice.label, layout=w.Layout(width="100%"))
            button.add_class("sb-choice")
            button.on_click(lambda _b, i=i: self.choose(i))
            buttons.append(button)
        self._choices.children = buttons
