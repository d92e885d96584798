"""A journal kept in one JSON file, on the learner's own computer or in their JupyterHub home.

The file is written atomically (temporary file, fsync, replace), so it is never missing and
never half written, and the previous version is kept beside it. Every page of a Voilà course
runs in its own kernel and two pages may save at once, so each save merges with what is on
disk under a lock. The lock is :mod:`filelock`'s, which uses the operating system's own file
locks on Linux and macOS (``fcntl``) and on Windows (``msvcrt``).

Opening a page reads the journal without the lock where the system allows it (Linux and macOS):
every save replaces the file whole, so a reader sees one complete version or the next, never
half of one. Only a file that is missing or cannot be read, which may have to be set aside or
restored, is read under the lock. On Windows a file that is open for reading cannot be replaced,
so every read there takes the lock, and a save is never refused because a page was reading.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .record import Journal, JournalError, now

if TYPE_CHECKING:
    from filelock import BaseFileLock

__all__ = ["JOURNAL_ENV", "LOCK_TIMEOUT_SECONDS", "FileStore", "default_journal_path"]

#: The environment variable that sets where the journal file lives.
JOURNAL_ENV = "SECURE_BASE_JOURNAL"
#: How long a save waits for another page's save to finish before it reports a problem.
LOCK_TIMEOUT_SECONDS = 20.0
#: Whether a page may read the journal without the lock: not on Windows, where a file open for
#: reading cannot be replaced by a save.
READS_WITHOUT_LOCK = sys.platform != "win32"


def default_journal_path() -> Path:
    """Where the journal lives: ``$SECURE_BASE_JOURNAL``, else the user's data directory."""
    configured = os.environ.get(JOURNAL_ENV)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_path

    return user_data_path("secure-base", appauthor=False) / "journal.json"


class FileStore:
    """A journal kept in one JSON file, with the previous version beside it."""

    kind: Literal["file"] = "file"
    #: A file needs nothing on the page.
    widget = None

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._file_lock: BaseFileLock | None = None
        #: Whether this visit has kept the journal as it found it (see :meth:`_write`).
        self._kept_previous = False

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def describe(self) -> str:
        return f"in the file {self.path}"

    @property
    def _lock(self) -> BaseFileLock:
        """The lock, made when first needed: a page that only reads never imports filelock."""
        if self._file_lock is None:
            from filelock import FileLock

            self._file_lock = FileLock(self.lock_path, timeout=LOCK_TIMEOUT_SECONDS)
        return self._file_lock

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            yield

    def _read(self) -> tuple[Journal, str | None]:
        """The journal on disk, and a warning if the main file had to be set aside."""
        try:
            return Journal.loads(self.path.read_bytes()), None
        except FileNotFoundError:
            if not self.backup_path.exists():
                return Journal(), None
            # Only the previous version is there (the file was removed by hand, say).
            try:
                return Journal.loads(self.backup_path.read_bytes()), (
                    "Your journal file was missing; the previous saved copy was restored."
                )
            except JournalError:
                return Journal(), None
        except JournalError as exc:
            problem = str(exc)
        # The main file is unreadable: keep it for inspection, fall back to the backup.
        aside = self.path.with_name(f"{self.path.name}.unreadable-{now()[:19].replace(':', '')}")
        os.replace(self.path, aside)
        try:
            journal = Journal.loads(self.backup_path.read_bytes())
            recovered = "The previous saved copy was restored"
        except (FileNotFoundError, JournalError):
            journal = Journal()
            recovered = "A new journal was started"
        return journal, (
            f"Your journal file could not be read. {problem} {recovered}, and the unreadable "
            f"file was kept as {aside.name}."
        )

    def load(self) -> tuple[Journal, str | None]:
        """Read the journal; a missing file gives an empty journal.

        A file that reads cleanly is read without the lock where that is safe (see the module's
        notes); anything else is read again under the lock, where it can be set aside or
        restored.
        """
        if READS_WITHOUT_LOCK:
            with contextlib.suppress(OSError, JournalError):
                return Journal.loads(self.path.read_bytes()), None
            if not self.path.exists() and not self.backup_path.exists():
                return Journal(), None
        with self._locked():
            return self._read()

    def read(self) -> Journal:
        """Read the journal and change nothing on disk, for a reader such as the export.

        Unlike :meth:`load`, a damaged file is never set aside and nothing is restored: the
        journal and its backup are left exactly as they are, and :class:`JournalError` says,
        in the learner's words, what is wrong. A missing file gives the previous saved copy if
        there is one, else an empty journal. The lock is taken, so the read never meets a save
        half way; where the lock cannot be made (a read-only folder, which no page can save
        into either), the file is read without it, which is safe because every save replaces
        the file whole.
        """
        with self._locked_for_reading():
            try:
                return Journal.loads(self.path.read_bytes())
            except FileNotFoundError:
                pass
            try:
                return Journal.loads(self.backup_path.read_bytes())
            except FileNotFoundError:
                return Journal()
            except JournalError as exc:
                raise JournalError(
                    f"The journal file is missing, and its previous saved copy "
                    f"({self.backup_path.name}) could not be read either. {exc}"
                ) from None

    @contextlib.contextmanager
    def _locked_for_reading(self) -> Iterator[None]:
        """The lock if it can be had, without making any folder; waiting too long is an error."""
        if not self.path.parent.is_dir():
            # No folder, so no journal: taking the lock would make the folder.
            yield
            return
        locked = False
        try:
            self._lock.acquire()
            locked = True
        except TimeoutError:
            # filelock's Timeout: another page is saving and has not finished.
            raise
        except OSError:
            pass  # the lock file cannot be made or opened here: read without it
        try:
            yield
        finally:
            if locked:
                self._lock.release()

    def save(self, journal: Journal) -> Journal:
        """Merge ``journal`` into what is on disk, write it atomically, and return the result.

        The caller's journal is updated in place with anything newer found on disk, so a page
        that stays open sees what other pages saved.
        """
        with self._locked():
            on_disk, _warning = self._read()
            on_disk.merge(journal)
            journal.merge(on_disk)
            self._write(on_disk.dumps())
        return journal

    def _keep_previous(self) -> None:
        """Make the current file the backup while it stays in place (a link, else a copy)."""
        staging = self.backup_path.with_name(self.backup_path.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staging)
        try:
            os.link(self.path, staging)
        except OSError:
            # No hard links here (some Windows and network drives): a copy does the same job.
            shutil.copy2(self.path, staging)
        os.replace(staging, self.backup_path)

    def delete_everything(self, journal: Journal) -> None:
        """Remove every copy of the journal from disk and leave only the moment of deletion.

        The previous version, and any unreadable copy set aside, go too. What stays is a journal
        with no entries that records when everything was deleted, so that a page still open
        elsewhere cannot write the old entries back.
        """
        with self._locked():
            journal.clear()
            for leftover in self.path.parent.glob(self.path.name + ".unreadable-*"):
                leftover.unlink()
            self._write(journal.dumps())
            self.backup_path.unlink(missing_ok=True)

    def _write(self, text: str) -> None:
        """Write atomically: the journal file is never missing and never half written."""
        directory = self.path.parent
        fd, tmp = tempfile.mkstemp(prefix=".journal-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            if self.path.exists() and not self._kept_previous:
                # The backup is the journal as it was when this visit first saved, not the
                # last change before this one: worth having if a visit goes wrong.
                self._keep_previous()
                self._kept_previous = True
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        # Make the rename itself durable where the system allows it (not on Windows, where
        # a folder cannot be opened this way and the rename is durable once it returns).
        if hasattr(os, "O_DIRECTORY"):
            dir_fd = os.open(directory, os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
