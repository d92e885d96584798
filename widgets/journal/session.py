"""One page's view of the learner's journal, and the interface every journal store offers.

Every view a learner sees is typed against :class:`Session` and :class:`JournalStore`, never
against a particular store. A page loads the journal once, saves it on every change, and its
views observe two traits of the session (traitlets observers, as widgets observe each other):

- ``revision`` goes up when the journal changed from outside the view (the browser's stored
  copy arriving, a journal file loaded, everything deleted), so views redraw from it;
- ``problems`` goes up when the store reports a problem, with the message in ``warning``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal, Protocol

import traitlets

from .files import FileStore, default_journal_path
from .record import Journal

if TYPE_CHECKING:
    from .browser import Arrival

__all__ = ["STORE_ENV", "JournalStore", "Session", "page_session", "reset"]

#: Where journals are kept: "file" (the learner's own machine or home) or "browser" (a course
#: served to others, so that no server keeps anyone's reflections). Set by the server.
STORE_ENV = "SECURE_BASE_STORE"


class JournalStore(Protocol):
    """Where a journal is kept: a file (:class:`FileStore`) or the learner's browser."""

    @property
    def kind(self) -> Literal["file", "browser"]: ...

    @property
    def widget(self) -> Any:
        """What a page must show for the store to work (a browser store's bridge), or None."""
        ...

    def load(self) -> tuple[Journal, str | None]:
        """The journal kept here, and a warning for the learner if something was amiss."""
        ...

    def save(self, journal: Journal) -> Journal:
        """Keep ``journal`` (merged with what is kept already); raise OSError on failure."""
        ...

    def delete_everything(self, journal: Journal) -> None:
        """Clear ``journal`` and every copy kept here."""
        ...

    def describe(self) -> str:
        """Where the journal is kept, for the learner: "in the file ...", "in this browser"."""
        ...


class Session(traitlets.HasTraits):
    """One page's journal: loaded once, saved on every change, observed by the page's views."""

    #: Goes up each time the journal changed from outside the views showing it.
    revision = traitlets.Int(0)
    #: Goes up each time the store reports a problem; the message is in ``warning``.
    problems = traitlets.Int(0)
    #: The latest problem to tell the learner about, if any.
    warning = traitlets.Unicode(None, allow_none=True)

    def __init__(self, store: JournalStore):
        super().__init__()
        self.store = store
        self.journal, warning = store.load()
        self.warning = warning
        if isinstance(store, traitlets.HasTraits):
            # A browser store: its copy of the journal arrives once the page is drawn.
            store.observe(self._arrived, names="arrival")
            store.observe(self._store_problem, names="problems")

    @property
    def in_browser(self) -> bool:
        return self.store.kind == "browser"

    def save(self) -> None:
        self.store.save(self.journal)

    def changed(self) -> None:
        """Tell every view showing the journal that it changed from outside."""
        self.revision += 1

    def report(self, message: str) -> None:
        self.warning = message
        self.problems += 1

    def _store_problem(self, change: traitlets.Bunch) -> None:
        self.report(change["owner"].problem)

    def _arrived(self, change: traitlets.Bunch) -> None:
        arrival: Arrival | None = change["new"]
        if arrival is None:
            return
        if arrival.journal is not None:
            self.journal.merge(arrival.journal)
        if arrival.warning:
            self.report(arrival.warning)
        self.changed()


_session: Session | None = None
_session_key: tuple[str, ...] = ()


def _store_key() -> tuple[str, ...]:
    if os.environ.get(STORE_ENV, "file") == "browser":
        return ("browser",)
    return ("file", str(default_journal_path()))


def page_session() -> Session:
    """The journal session of this kernel (each Voilà page has its own kernel)."""
    global _session, _session_key
    key = _store_key()
    if _session is None or _session_key != key:
        if key[0] == "browser":
            # Imported only when needed: a page on the learner's own computer never loads it.
            from .browser import BrowserStore

            _session = Session(BrowserStore())
        else:
            _session = Session(FileStore(default_journal_path()))
        _session_key = key
    return _session


def reset() -> None:
    """Forget this kernel's session, so that the next :func:`page_session` opens the store again."""
    global _session, _session_key
    _session = None
    _session_key = ()
