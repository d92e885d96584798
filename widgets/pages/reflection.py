"""A stage's reflection boxes: one component with a labelled text box per prompt.

The browser draws each box (a ``<label>``, a ``<textarea>``, the prompt's nudge and a status
line), keeps what is typed in its own storage until the journal has it, and sends a box's text
after a pause in typing, when the learner leaves the box, and before the page is left: at most
once a second for each box. Python checks the text against the journal's limits and saves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import traitlets

from ..content import Prompt
from ..controls import status_html
from ..journal import MAX_TEXT_CHARS, Session
from ..journal.record import sound_time
from .component import Component, Reply, component_esm

__all__ = ["ReflectionField", "ReflectionStage"]

PLACEHOLDER = "Write your reflection here. It is saved as you type."


def _local_time(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone().strftime("%H:%M")


class ReflectionStage(Component):
    """The reflection boxes of one stage of a domain, drawn and batched in the browser."""

    _esm = component_esm("reflection.js")
    #: The stage's question, shown above its boxes.
    question = traitlets.Unicode("").tag(sync=True)
    #: One item per prompt: id, journal key, label, nudge, text and when it was saved.
    boxes = traitlets.List(traitlets.Dict()).tag(sync=True)
    limit = traitlets.Int(MAX_TEXT_CHARS).tag(sync=True)
    placeholder = traitlets.Unicode(PLACEHOLDER).tag(sync=True)

    def __init__(self, prompts: Sequence[Prompt], question: str, session: Session, **kwargs: Any):
        self.prompts = {f"reflection/{p.id}": p for p in prompts}
        super().__init__(session, question=question, **kwargs)
        self.fields = {p.id: ReflectionField(self, p) for p in prompts}
        self._draw()
        session.observe(lambda _change: self._draw(), names="revision")

    def _draw(self) -> None:
        journal = self.session.journal
        boxes = []
        for key, prompt in self.prompts.items():
            entry = journal.get(key)
            boxes.append(
                {
                    "id": prompt.id,
                    "key": key,
                    "label": prompt.text,
                    "nudge": prompt.nudge or "",
                    "value": entry.value if entry else "",
                    "updated": entry.updated if entry else "",
                }
            )
        if boxes != self.boxes:
            self.boxes = boxes

    def edit(self, content: dict[str, Any]) -> Reply:
        key, text = content.get("key"), content.get("value")
        if key not in self.prompts:
            return Reply(False, "That box is not part of this page, so nothing was saved.", True)
        if not isinstance(text, str):
            return Reply(False, "What arrived was not text, so nothing was saved.", True)
        if len(text) > MAX_TEXT_CHARS:
            return Reply(
                False,
                f"Not saved: a reflection can be at most {MAX_TEXT_CHARS:,} characters long, "
                f"and this one is {len(text):,}. Shorten it and it will be saved.",
                True,
            )
        journal = self.session.journal
        changed = journal.set(key, text, when=sound_time(content.get("updated")))
        if changed:
            why = self.save_failed()
            if why is not None:
                return Reply(
                    False,
                    f"Not saved: the journal file could not be written ({why}). Your text is "
                    "kept in this web browser until it can be; to be safe, copy it somewhere "
                    "else too.",
                    True,
                )
            self._draw()
        entry = journal.get(key)
        return Reply(True, f"Saved at {_local_time(entry.updated)}" if entry else "Saved")


class ReflectionField:
    """One prompt's box, read and changed through its component as the browser does."""

    def __init__(self, stage: ReflectionStage, prompt: Prompt):
        self.stage = stage
        self.prompt = prompt
        self.key = f"reflection/{prompt.id}"
        self._typed: str | None = None
        self._status = ""

    @property
    def saved(self) -> str:
        """The box's text as the journal holds it."""
        box = next(b for b in self.stage.boxes if b["key"] == self.key)
        return str(box["value"])

    @property
    def value(self) -> str:
        """What the box holds: the last text typed here, else the journal's."""
        return self.saved if self._typed is None else self._typed

    @value.setter
    def value(self, text: str) -> None:
        self._typed = text
        reply = self.stage.receive({"kind": "edit", "key": self.key, "value": text})
        self._status = status_html(reply.message, problem=reply.problem)

    @property
    def status(self) -> str:
        """The box's status line, as the browser draws it."""
        return self._status
