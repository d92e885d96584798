"""The self-assessment: how well the team works as a secure base today, stage by stage.

Each statement is a labelled group of radio buttons on the course's reflective scale ("not yet"
to "well established", or "not sure / not applicable"). Every answer is saved in the journal
with its time, under the current attempt. Once every statement of the module has an answer, a
short reading names the strongest stage and the prompts most worth the learner's time next.
It is a reflective tool, not a validated measure, and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as w

from ..content import Course, Statement
from ..controls import status_html
from ..journal import JournalError, Session
from ..reports.reading import reading_html


class StatementRating(w.VBox):
    """One statement and its scale; the value is validated against the scale's levels."""

    def __init__(
        self,
        statement: Statement,
        course: Course,
        on_rate: Callable[[Statement, str], None],
        current: str | None,
    ):
        self.statement = statement
        self._levels = {lv.key for lv in course.scale}
        self.radio = w.RadioButtons(
            options=[(lv.label, lv.key) for lv in course.scale],
            value=current if current in self._levels else None,
            description=statement.text,
            layout=w.Layout(width="100%"),
        )
        self.radio.add_class("sb-rating-radio")
        self._on_rate = on_rate
        self.radio.observe(self._changed, names="value")
        super().__init__([self.radio])
        self.add_class("sb-rating")

    @property
    def value(self) -> str | None:
        chosen: str | None = self.radio.value
        return chosen

    def _changed(self, change: dict[str, Any]) -> None:
        if change["new"] in self._levels:
            self._on_rate(self.statement, change["new"])


class SelfAssessment(w.VBox):
    """A domain's statements, grouped by stage, with a reading once all are answered."""

    def __init__(self, domain: str, course: Course, session: Session, **kwargs: Any):
        self.domain = domain
        self.course = course
        self._session = session
        journal = session.journal
        self.attempt = journal.attempts()[-1][0] if journal.attempts() else None
        current = journal.ratings(self.attempt) if self.attempt else {}
        self.ratings: dict[str, StatementRating] = {}
        children: list[w.Widget] = []
        for stage in course.stages:
            statements = course.statements_for(domain, stage.key)
            children.append(w.HTML(f"<h3 class='sb-rating-stage'>{escape(stage.title)}</h3>"))
            for statement in statements:
                rating = StatementRating(statement, course, self._rate, current.get(statement.id))
                self.ratings[statement.id] = rating
                children.append(rating)
        self.status = w.HTML(layout=w.Layout(min_height="1.5em"))
        self.status.add_class("sb-status")
        self.reading = w.HTML()
        self.reading.add_class("sb-reading")
        super().__init__([*children, self.status, self.reading], **kwargs)
        self.add_class("sb-assessment")
        self._show_reading()
        session.observe(lambda _change: self._refresh(), names="revision")

    def _rate(self, statement: Statement, level: str) -> None:
        journal = self._session.journal
        if self.attempt is None:
            self.attempt = journal.current_attempt()
        try:
            journal.set_rating(self.attempt, statement.id, level)
            self._session.save()
        except (OSError, JournalError) as exc:
            self.status.value = status_html(
                f"Your answer could not be saved ({exc}).", problem=True
            )
            return
        answered = sum(1 for r in self.ratings.values() if r.value)
        self.status.value = status_html(f"Saved. {answered} of {len(self.ratings)} answered.")
        self._show_reading()

    def _refresh(self) -> None:
        journal = self._session.journal
        if journal.attempts():
            self.attempt = journal.attempts()[-1][0]
        current = journal.ratings(self.attempt) if self.attempt else {}
        for statement_id, rating in self.ratings.items():
            level = current.get(statement_id)
            if level != rating.value and (level is None or level in rating._levels):
                rating.radio.value = level
        self._show_reading()

    def _show_reading(self) -> None:
        answers = {k: r.value for k, r in self.ratings.items() if r.value}
        if len(answers) < len(self.ratings):
            self.reading.value = ""
            return
        self.reading.value = reading_html(self.domain, answers, self.course)
