"""The learner's journal and where it is kept.

- :mod:`~widgets.journal.record`: the journal itself, plain Python, versioned, merged entry by
  entry (no widgets, no files);
- :mod:`~widgets.journal.files`: a journal kept in a file on the learner's own computer;
- :mod:`~widgets.journal.browser`: a journal kept in the learner's own web browser, for a course
  served to others;
- :mod:`~widgets.journal.session`: one page's view of the journal, and the interface every
  store offers, which every view is typed against.
"""

from __future__ import annotations

from .files import JOURNAL_ENV, FileStore, default_journal_path
from .record import (
    ACTION_TEXT_LIMITS,
    CPD_TEXT_LIMITS,
    FORMAT,
    MAX_FILE_BYTES,
    MAX_TEXT_CHARS,
    SCHEMA_VERSION,
    Entry,
    Journal,
    JournalError,
)
from .session import STORE_ENV, JournalStore, Session, page_session

__all__ = [
    "ACTION_TEXT_LIMITS",
    "CPD_TEXT_LIMITS",
    "FORMAT",
    "JOURNAL_ENV",
    "MAX_FILE_BYTES",
    "MAX_TEXT_CHARS",
    "SCHEMA_VERSION",
    "STORE_ENV",
    "Entry",
    "FileStore",
    "Journal",
    "JournalError",
    "JournalStore",
    "Session",
    "default_journal_path",
    "page_session",
]
