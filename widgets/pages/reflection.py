"""A reflection box: one prompt, a labelled text box, saved to the journal as the learner types."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

import ipywidgets as w

from ..content import Prompt
from ..controls import status_html
from ..journal import JournalError, Session

__all__ = ["ReflectionField"]


def _local_time(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone().strftime("%H:%M")


class ReflectionField(w.VBox):
    """A labelled text box for one prompt, kept in the journal as the learner types."""

    def __init__(self, prompt: Prompt, sess: Session, **kwargs: Any):
        self.prompt = prompt
        self._session = sess
        self._text = w.Textarea(
            value=sess.journal.reflection(prompt.id),
            description=prompt.text,
            placeholder="Write your reflection here. It is saved as you type.",
            continuous_update=True,
            layout=w.Layout(width="100%", flex_flow="column"),
        )
        self._text.add_class("sb-reflection-text")
        children: list[w.Widget] = [self._text]
        if prompt.nudge:
            children.append(w.HTML(f'<p class="sb-nudge">{escape(prompt.nudge)}</p>'))
        self._status = w.HTML("", layout=w.Layout(min_height="1.5em"))
        self._status.add_class("sb-status")
        children.append(self._status)
        super().__init__(children, **kwargs)
        self.add_class("sb-reflection")
        self._text.observe(self._on_change, names="value")
        sess.observe(lambda _change: self._refresh(), names="revision")

    def _refresh(self) -> None:
        text = self._session.journal.reflection(self.prompt.id)
        if text != self._text.value:
            self._text.value = text

    @property
    def value(self) -> str:
        return str(self._text.value)

    @value.setter
    def value(self, text: str) -> None:
        self._text.value = text

    @property
    def status(self) -> str:
        return str(self._status.value)

    def _say(self, message: str, *, problem: bool = False) -> None:
        self._status.value = status_html(message, problem=problem)

    def _on_change(self, change: dict[str, Any]) -> None:
        try:
            changed = self._session.journal.set_reflection(self.prompt.id, change["new"])
        except JournalError as exc:
            self._say(f"Not saved. {exc}", problem=True)
            return
        if not changed:
            return
        try:
            self._session.save()
        except OSError as exc:
            self._say(
                "Not saved: the journal file could not be written "
                f"({exc.strerror or exc}). Your text is still here; copy it somewhere "
                "safe before closing this page.",
                problem=True,
            )
            return
        entry = self._session.journal.get(f"reflection/{self.prompt.id}")
        self._say(f"Saved at {_local_time(entry.updated)}" if entry else "Saved")
