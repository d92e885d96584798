"""The self-assessment: how well the team works as a secure base today, stage by stage.

One component for a domain's statements. The browser draws each statement as a ``<fieldset>``
(a named radio group, labelled by its statement, so the arrow keys move between its levels) on
the course's reflective scale ("not yet" to "well established", or "not sure / not
applicable"). Every answer is kept in the browser until saved, and saved in the journal with
its time, under the current attempt. Once every statement of the module has an answer, a short
reading names the strongest stage and the prompts most worth the learner's time next. It is a
reflective tool, not a validated measure, and the page says so.
"""

from __future__ import annotations

from typing import Any

import traitlets

from ..content import Course
from ..controls import status_html
from ..journal import Session
from ..journal.record import now, sound_time
from ..reports.reading import reading_html
from .component import Component, Reply, component_esm

__all__ = ["SelfAssessment"]


class SelfAssessment(Component):
    """A domain's statements, grouped by stage, with a reading once all are answered."""

    _esm = component_esm("assessment.js")
    #: The stages, each with its title and statements (id and text).
    groups = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: The scale: each level's key and label.
    levels = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: The attempt answers are saved under, and whether the journal has it yet.
    attempt = traitlets.Unicode("").tag(sync=True)
    attempt_saved = traitlets.Bool(False).tag(sync=True)
    #: The answers of that attempt: statement id -> {"level", "updated"}.
    answers = traitlets.Dict().tag(sync=True)
    #: The reading, as HTML made from the course's own words, once every statement is answered.
    reading = traitlets.Unicode("").tag(sync=True)

    def __init__(self, domain: str, course: Course, session: Session, **kwargs: Any):
        self.domain = domain
        self.course = course
        self.statements = {s.id: s for s in course.statements_for(domain)}
        self._levels = {lv.key for lv in course.scale}
        super().__init__(
            session,
            groups=[
                {
                    "title": stage.title,
                    "statements": [
                        {"id": s.id, "text": s.text}
                        for s in course.statements_for(domain, stage.key)
                    ],
                }
                for stage in course.stages
            ],
            levels=[{"key": lv.key, "label": lv.label} for lv in course.scale],
            **kwargs,
        )
        self._status = ""
        self._draw()
        session.observe(lambda _change: self._draw(), names="revision")

    # -- reading the state ---------------------------------------------------------------
    @property
    def ratings(self) -> dict[str, str | None]:
        """Each statement's answer in this attempt, or None."""
        return {sid: (self.answers.get(sid) or {}).get("level") for sid in self.statements}

    @property
    def status(self) -> str:
        """The status line, as the browser draws it."""
        return self._status

    def _draw(self) -> None:
        journal = self.session.journal
        attempts = journal.attempts()
        if attempts:
            attempt, saved = attempts[-1][0], True
        else:
            numbers = [int(a) for a, _ in attempts if a.isdigit()]
            attempt, saved = str(max(numbers, default=0) + 1), False
        answers = {}
        for sid in self.statements:
            entry = journal.get(f"rating/{attempt}/{sid}")
            if entry is not None and entry.value in self._levels:
                answers[sid] = {"level": entry.value, "updated": entry.updated}
        self.attempt, self.attempt_saved = attempt, saved
        if answers != self.answers:
            self.answers = answers
        self.reading = self._reading()

    def _reading(self) -> str:
        answers = {sid: level for sid, level in self.ratings.items() if level}
        if len(answers) < len(self.statements):
            return ""
        return reading_html(self.domain, answers, self.course)

    # -- changes -------------------------------------------------------------------------
    def rate(self, statement_id: str, level: str) -> Reply:
        """Answer a statement, as the learner's click in the browser does."""
        reply = self.receive(
            {"kind": "edit", "key": f"rating/{self.attempt}/{statement_id}", "value": level}
        )
        self._status = status_html(reply.message, problem=reply.problem)
        return reply

    def edit(self, content: dict[str, Any]) -> Reply:
        key, level = content.get("key"), content.get("value")
        prefix = f"rating/{self.attempt}/"
        if not isinstance(key, str) or not key.startswith(prefix):
            return Reply(
                False, "That answer is not for this self-assessment, so it was not saved.", True
            )
        statement_id = key[len(prefix) :]
        if statement_id not in self.statements:
            return Reply(
                False, "That statement is not part of this page, so nothing was saved.", True
            )
        if not isinstance(level, str) or level not in self._levels:
            return Reply(
                False, "That answer is not one of the scale's levels, so nothing was saved.", True
            )
        journal = self.session.journal
        when = sound_time(content.get("updated"))
        if not journal.get(f"attempt/{self.attempt}"):
            journal.set(f"attempt/{self.attempt}", {"started": min(when, now())})
        journal.set(key, level, when=when)
        why = self.save_failed()
        if why is not None:
            return Reply(
                False,
                f"Your answer could not be saved ({why}). It is kept in this web browser until "
                "it can be.",
                True,
            )
        self._draw()
        answered = sum(1 for level in self.ratings.values() if level)
        return Reply(True, f"Saved. {answered} of {len(self.statements)} answered.")
