"""The profile on the closing page: the latest self-assessment across every domain and stage,
a comparison with an earlier one, and a button to start a new self-assessment. The picture and
table themselves are drawn by :mod:`widgets.reports.profile`.
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w

from ..content import Course
from ..controls import status_html
from ..journal import JournalError, Session
from ..reports.profile import moved, profile, profile_svg, profile_table, when_started

__all__ = ["ProfileView"]


class ProfileView(w.VBox):
    """The profile of the latest attempt, a comparison with an earlier one, and a new attempt."""

    def __init__(self, course: Course, session: Session, **kwargs: Any):
        self.course = course
        self._session = session
        self.picture = w.HTML()
        self.picture.add_class("sb-profile")
        self.compare = w.Dropdown(description="Compare with", options=[("Nothing", "")])
        self.compare.style.description_width = "initial"
        self.compare.observe(lambda _c: self.draw(), names="value")
        self.new_attempt = w.Button(
            description="Start a new self-assessment", layout=w.Layout(width="auto")
        )
        self.new_attempt.on_click(lambda _b: self.start_new())
        self.status = w.HTML()
        self.status.add_class("sb-status")
        super().__init__([self.picture, self.compare, self.new_attempt, self.status], **kwargs)
        self.add_class("sb-profile-view")
        self.draw()
        session.observe(lambda _change: self.draw(), names="revision")

    def draw(self) -> None:
        journal = self._session.journal
        attempts = journal.attempts()
        options = [("Nothing", "")] + [
            (f"Self-assessment of {when_started(started)}", attempt)
            for attempt, started in attempts[:-1]
        ]
        if self.compare.options != tuple(options):
            chosen = self.compare.value
            self.compare.options = options
            self.compare.value = chosen if chosen in {o[1] for o in options} else ""
        self.compare.disabled = len(options) == 1
        if not attempts:
            self.picture.value = (
                "<p>You have not rated any statements yet. Each domain module begins with a "
                "short self-assessment; your profile appears here once you have started.</p>"
            )
            return
        latest, started = attempts[-1]
        when = when_started(started)
        cells = profile(journal, self.course, latest)
        earlier_id = self.compare.value
        earlier = profile(journal, self.course, earlier_id) if earlier_id else None
        earlier_when = when_started(dict(attempts)[earlier_id]) if earlier_id else ""
        html = profile_svg(cells, self.course, when) + profile_table(
            cells, self.course, when, earlier, earlier_when
        )
        if earlier is not None:
            changes = moved(cells, earlier, self.course)
            html += (
                "<h3>What moved</h3><ul>"
                + "".join(f"<li>{escape(c)}</li>" for c in changes)
                + "</ul>"
                if changes
                else "<p>No cell moved between these two self-assessments.</p>"
            )
        self.picture.value = html

    def start_new(self) -> str | None:
        try:
            attempt = self._session.journal.start_attempt()
            self._session.save()
        except (OSError, JournalError) as exc:
            self.status.value = status_html(
                f"A new self-assessment could not start ({exc}).", problem=True
            )
            return None
        self._session.changed()
        self.status.value = status_html(
            "A new self-assessment has started. Rate the statements again in each domain module; "
            "your earlier answers are kept for comparison."
        )
        return attempt
