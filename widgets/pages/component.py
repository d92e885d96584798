"""The base of the course's browser-first components.

Each interactive part of a page (a stage's reflection boxes, the self-assessment, a scenario,
the action form) is one :class:`Component`: an anywidget whose JavaScript draws native,
labelled HTML form controls, and whose Python half keeps a small state and every rule of the
course. The browser keeps each change in its own storage, marked as unsaved, before it sends it
(see ``component.js``); Python checks the change, saves it to the journal and replies, and the
mark goes. A change Python refuses is answered with a message in the learner's words.

Tests and other Python code make changes exactly as the browser does, through :meth:`receive`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar

import ipywidgets
import traitlets

from ..controls.browser_widget import BrowserWidget
from ..controls.scripts import Script, script
from ..journal import JournalError, Session
from ..journal.record import now

__all__ = ["Component", "Reply", "component_esm"]


def component_esm(name: str) -> Script:
    """A component's ES module: the shared part (``component.js``) and its own file."""
    return script("pages/component.js", f"pages/{name}")


@dataclass(frozen=True)
class Reply:
    """What Python answers a change: saved or not, and what to tell the learner."""

    saved: bool
    message: str
    problem: bool = False
    #: Anything the component's script needs besides (a new state, say).
    extra: dict[str, Any] | None = None


_shared_layout: ipywidgets.Layout | None = None


def _layout() -> ipywidgets.Layout:
    """One layout for every component of the page: none of them sets one of its own."""
    global _shared_layout
    if _shared_layout is None or _shared_layout.comm is None:
        _shared_layout = ipywidgets.Layout()
    return _shared_layout


class Component(BrowserWidget):
    """A part of a page drawn in the browser, with its state and rules in Python.

    The component reaches the browser once it is whole: its connection is opened when the
    constructor of its own class has finished, with its whole state in that one message, not in
    an opening message and then one update for each part set afterwards. Components share one
    layout, so each is a single widget model.
    """

    #: The server's time when the component was made, so that the browser can tell whether
    #: its own clock is far off.
    server_time = traitlets.Unicode("").tag(sync=True)
    #: The kinds of message the browser may send, and the method that answers each.
    handlers: ClassVar[dict[str, str]] = {"edit": "edit"}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        constructor = cls.__init__

        @functools.wraps(constructor)
        def init(self: Component, *args: Any, **kw: Any) -> None:
            # Constructors nest (a subclass's calls its parent's): open once the outermost ends.
            self._building = getattr(self, "_building", 0) + 1
            try:
                constructor(self, *args, **kw)
            finally:
                self._building -= 1
            if self._building == 0:
                self._whole = True
                self.open()

        cls.__init__ = init  # type: ignore[method-assign]

    def open(self) -> None:
        if getattr(self, "_whole", True):
            super().open()

    def __init__(self, session: Session, **kwargs: Any):
        self._whole = False
        kwargs.setdefault("layout", _layout())
        super().__init__(server_time=now(), **kwargs)
        self._session = session
        #: The last reply, for Python code and tests reading the component's state.
        self.last_reply: Reply | None = None
        self.on_msg(self._message)

    @property
    def session(self) -> Session:
        return self._session

    def receive(self, content: dict[str, Any]) -> Reply:
        """Answer one message, exactly as one from the browser is answered."""
        kind = content.get("kind")
        method = self.handlers.get(kind) if isinstance(kind, str) else None
        if method is None:
            reply = Reply(False, "That change is not one this part of the page makes.", True)
        else:
            try:
                reply = getattr(self, method)(content)
            except JournalError as exc:
                reply = Reply(False, f"Not saved. {exc}", True)
        self.last_reply = reply
        return reply

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        reply = self.receive(content)
        answer: dict[str, Any] = {
            "kind": "reply",
            "seq": content.get("seq"),
            "key": content.get("key") if isinstance(content.get("key"), str) else None,
            "updated": content.get("updated") if isinstance(content.get("updated"), str) else "",
            "saved": reply.saved,
            "message": reply.message,
            "problem": reply.problem,
        }
        if reply.extra:
            answer.update(reply.extra)
        self.send(answer)

    def save_failed(self) -> str | None:
        """Save the session's journal; if it could not be written, why not (the system's words)."""
        try:
            self._session.save()
        except OSError as exc:
            return str(exc.strerror or exc)
        return None
