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
from .record import (
    MAX_FILE_BYTES,
    MAX_JSON_DEPTH,
    Entry,
    Journal,
    JournalError,
    check_entry,
    sound_time,
)

if TYPE_CHECKING:
    from .browser import Arrival, StoreWidget

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
        self._bridge: StoreWidget | None = None
        if isinstance(store, traitlets.HasTraits):
            # A browser store: its copy of the journal arrives once the page is drawn.
            store.observe(self._arrived, names="arrival")
            store.observe(self._store_problem, names="problems")

    @property
    def in_browser(self) -> bool:
        return self.store.kind == "browser"

    @property
    def bridge(self) -> StoreWidget:
        """The page's bridge to the browser, made when the page first shows it.

        It brings back what the browser kept unsaved from a visit whose server went away, and
        shows the page's notices; for a browser store it is the store's own widget.
        """
        if self._bridge is None:
            from .browser import StoreWidget

            widget = self.store.widget
            self._bridge = widget if isinstance(widget, StoreWidget) else StoreWidget()
            self._bridge.observe(self._unsaved_arrived, names="loaded")
            self.observe(self._show_notice, names="problems")
        return self._bridge

    def save(self) -> None:
        self.store.save(self.journal)

    def delete_everything(self) -> None:
        """Clear the journal, every copy in the store, and anything the browser kept unsaved."""
        self.store.delete_everything(self.journal)
        if self._bridge is not None and not self._bridge.keeps_journal:
            self._bridge.send({"kind": "clear-unsaved"})
        self.changed()

    def tell(self, message: str, *, problem: bool = False) -> None:
        """Show a notice at the top of the page (news, or a problem if ``problem``)."""
        if self._bridge is not None:
            self._bridge.notice_problem = problem
            self._bridge.notice = message

    def _show_notice(self, _change: object) -> None:
        self.tell(self.warning or "", problem=True)

    def _unsaved_arrived(self, change: traitlets.Bunch) -> None:
        """Save what the browser kept unsaved: each entry is checked, and the newer copy wins."""
        kept, release, refused = parse_unsaved(change["new"])
        if not release:
            return
        taken = self.journal.merge(Journal(dict(kept)))
        if taken:
            try:
                self.save()
            except OSError as exc:
                self.report(
                    "Some writing kept in this web browser from an earlier visit could not be "
                    f"saved to your journal ({exc.strerror or exc}). It stays kept in this "
                    "browser, and the course will try again the next time you open a page."
                )
                return
        self.bridge.send({"kind": "release", "saved": release})
        if taken:
            self.changed()
            count = f"{taken} piece{'s' if taken != 1 else ''} of writing"
            self.tell(
                f"Welcome back. {count} kept in this web browser from an earlier visit, which "
                "had not reached your journal, "
                f"{'is' if taken == 1 else 'are'} now saved in it."
            )
        if refused:
            self.report(
                f"{refused} change{'s' if refused != 1 else ''} kept in this web "
                "browser could not be read, and "
                f"{'was' if refused == 1 else 'were'} set aside. Everything else is saved."
            )

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


def parse_unsaved(text: object) -> tuple[dict[str, Entry], dict[str, str], int]:
    """What a browser kept unsaved: the entries that pass the journal's checks, one by one;
    for every entry, the time the browser gave it (what to release it up to, once dealt with);
    and how many were refused."""
    from ..controls.jsonfile import JsonFileError, read_json

    if not isinstance(text, str) or not text:
        return {}, {}, 0
    try:
        data = read_json(text, max_bytes=MAX_FILE_BYTES, max_depth=MAX_JSON_DEPTH)
    except JsonFileError:
        return {}, {}, 0
    unsaved = data.get("unsaved") if isinstance(data, dict) else None
    if not isinstance(unsaved, dict):
        return {}, {}, 0
    kept: dict[str, Entry] = {}
    release: dict[str, str] = {}
    for key, entry in unsaved.items():
        stamp = entry.get("updated") if isinstance(entry, dict) else None
        # The browser's own stamp, even one far ahead, so that the browser forgets this copy.
        release[str(key)[:200]] = stamp if isinstance(stamp, str) else "9999"
        try:
            found = check_entry(key, entry)
        except JournalError:
            continue
        kept[key] = Entry(found.value, sound_time(found.updated))
    return kept, release, len(release) - len(kept)


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
