"""A journal kept in the learner's own web browser, for a course served to others.

Where the course runs on a server that is not the learner's (a workshop server, Binder), no
server should keep their reflections. This store keeps the journal in the browser's local
storage for the course's site, one storage key per entry, and the kernel only ever holds a
copy for as long as the page is open.

How a kernel reads and writes it: a small hidden widget (:class:`StoreWidget`, an anywidget)
is shown once on every page. When the page opens, its JavaScript reads every entry from local
storage and sends them to the kernel in one trait (``loaded``); the kernel checks them (size,
shape, schema) exactly as it checks an uploaded journal file, and merges them in. Every change
the learner makes is then sent back as a message with only the entries that changed; the
browser keeps an entry only if it is newer than the one it has, and never one older than the
moment everything was deleted. Two pages open at once therefore merge entry by entry, just
as two pages writing the journal file do.
"""

from __future__ import annotations

from typing import Any, Literal

import traitlets

from ..controls.browser_widget import BrowserWidget
from ..controls.jsonfile import JsonFileError, read_json
from ..controls.scripts import script
from .record import FORMAT, MAX_FILE_BYTES, MAX_JSON_DEPTH, SCHEMA_VERSION, Journal, JournalError

__all__ = ["STORAGE_PREFIX", "Arrival", "BrowserStore", "StoreWidget", "parse_browser_copy"]

STORAGE_PREFIX = "secure-base:"

#: The browser's half of the store, an ES module run by anywidget.
_ESM = script("journal/browser_store.js")


class StoreWidget(BrowserWidget):
    """The bridge between a page's kernel and the browser's local storage.

    It is on every page: it brings back changes the browser kept unsaved, and where the journal
    is kept in the browser (``keeps_journal``) it is the journal's store too. It shows the
    page's notice (``notice``), a problem if ``notice_problem``, and is otherwise not seen.
    """

    _esm = _ESM
    keeps_journal = traitlets.Bool(False).tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)
    notice_problem = traitlets.Bool(False).tag(sync=True)
    #: What the browser had stored when the page opened (JSON text), sent once.
    loaded = traitlets.Unicode("").tag(sync=True)
    #: Why the browser could not read its storage, if it could not.
    error = traitlets.Unicode("").tag(sync=True)


class Arrival:
    """What the browser had kept when the page opened: a journal, or why it could not be read."""

    def __init__(self, journal: Journal | None, warning: str | None = None):
        self.journal = journal
        self.warning = warning


class BrowserStore(traitlets.HasTraits):
    """The journal in the learner's browser: the same interface as the file store.

    Observe ``arrival`` for the browser's copy once the page is drawn, and ``problems`` (a
    count) for the browser refusing to keep something; ``problem`` holds the latest message.
    """

    kind: Literal["browser"] = "browser"
    arrival = traitlets.Instance(Arrival, allow_none=True)
    problem = traitlets.Unicode("")
    problems = traitlets.Int(0)

    def __init__(self) -> None:
        super().__init__()
        self.widget = StoreWidget(keeps_journal=True)
        self._sent: dict[str, str] = {}
        self._seq = 0
        self.pending: dict[int, str] = {}
        self.widget.observe(self._loaded, names="loaded")
        self.widget.observe(self._error, names="error")
        self.widget.on_msg(self._message)

    # -- the interface the session uses ----------------------------------------------------
    def load(self) -> tuple[Journal, str | None]:
        """An empty journal for now: the browser's copy arrives once the page is drawn."""
        return Journal(), None

    def save(self, journal: Journal) -> Journal:
        """Send the browser every entry that changed since the last time."""
        changed: dict[str, dict[str, Any]] = {}
        for key in journal:
            entry = journal.get(key)
            if entry is not None and self._sent.get(key) != entry.updated:
                changed[key] = {"value": entry.value, "updated": entry.updated}
        if changed:
            self._send({"kind": "write", "entries": changed})
            for key, sent in changed.items():
                self._sent[key] = sent["updated"]
        return journal

    def delete_everything(self, journal: Journal) -> None:
        journal.clear()
        self._sent.clear()
        self._send({"kind": "clear", "cleared": journal.cleared})

    def describe(self) -> str:
        return "in this web browser's own storage for this site"

    # -- messages from the browser ---------------------------------------------------------
    def _send(self, content: dict[str, Any]) -> None:
        self._seq += 1
        self.pending[self._seq] = content["kind"]
        self.widget.send({**content, "seq": self._seq})

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        seq = content.get("seq")
        if isinstance(seq, int):
            self.pending.pop(seq, None)
        if content.get("kind") == "failed":
            reason = str(content.get("error", ""))[:200]
            self._problem(
                "Your browser did not save your last change"
                + (f" ({reason})" if reason else "")
                + ". Your text is still on the page; download your journal file to keep it."
            )

    def _error(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self._problem(
                "This browser does not let the course keep your journal (its storage is switched "
                "off or full). You can still work here, but download your journal file before "
                "you close the page."
            )

    def _problem(self, message: str) -> None:
        self.problem = message
        self.problems += 1  # the same message twice is still news

    def _loaded(self, change: dict[str, Any]) -> None:
        text = change["new"]
        if not text:
            return
        try:
            journal = parse_browser_copy(text)
        except JournalError as exc:
            self.arrival = Arrival(
                None, f"The journal kept in this browser could not be read. {exc}"
            )
            return
        for key in journal:
            entry = journal.get(key)
            if entry is not None:
                self._sent[key] = entry.updated
        self.arrival = Arrival(journal)


def parse_browser_copy(text: str) -> Journal:
    """Check what a browser sent as its stored journal, as strictly as an uploaded file."""
    if not isinstance(text, str):
        raise JournalError("it is not text")
    try:
        data = read_json(text, max_bytes=MAX_FILE_BYTES, max_depth=MAX_JSON_DEPTH)
    except JsonFileError as exc:
        raise JournalError(
            {
                "size": "it is too large to be a course journal",
                "depth": "it is nested far too deeply to be a course journal",
                "syntax": "it is not valid JSON",
            }[exc.reason]
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
        raise JournalError("it is not in the expected shape")
    document = {
        "format": FORMAT,
        "version": SCHEMA_VERSION,
        "created": min(
            (
                e["updated"]
                for e in data["entries"].values()
                if isinstance(e, dict) and isinstance(e.get("updated"), str)
            ),
            default="2000-01-01T00:00:00+00:00",
        ),
        "entries": data["entries"],
    }
    if data.get("cleared"):
        document["cleared"] = data["cleared"]
    return Journal.from_dict(document)
