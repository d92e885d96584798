"""The learner's journal: plain Python, versioned, serialisable, no widgets inside.

A journal is a map of entries. Each entry has a key (``<kind>/<name>``, for example
``reflection/availability.general.signal-availability``), a value and the time it was last
changed. Merging two journals keeps the newer entry for each key, so loading a saved file,
meeting a copy written by another page of the course, or resuming from a download are one
operation. Clearing an entry keeps it, empty, with its time, so a merge cannot bring back
text the learner removed.

Where a journal is kept is not this module's business: see :mod:`widgets.journal.files` and
:mod:`widgets.journal.browser`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..controls.jsonfile import JsonFileError, read_json, size_text

__all__ = ["FORMAT", "SCHEMA_VERSION", "Entry", "Journal", "JournalError"]

FORMAT = "secure-base-journal"
SCHEMA_VERSION = 4
#: The largest journal file the course will read (a long course of writing is well under 1 MB).
MAX_FILE_BYTES = 8 * 1024 * 1024
#: The deepest nesting a journal file may have (a real one nests five levels deep).
MAX_JSON_DEPTH = 8
_JSON_PROBLEMS = {
    "size": f"The journal file is larger than {size_text(MAX_FILE_BYTES)}, too large to be a "
    "course journal.",
    "depth": "The journal file is damaged: its contents are nested far too deeply to be a "
    "course journal.",
    "syntax": "The journal file is damaged: it is not valid JSON.",
}
#: The longest text one entry may hold.
MAX_TEXT_CHARS = 20_000
#: The longest path through a scenario the journal will keep.
MAX_PATH_STEPS = 64
MAX_ID_CHARS = 100


class JournalError(ValueError):
    """A journal file or entry that cannot be accepted, with a message fit for the learner.

    However the reason was written, it reads as a sentence: a capital letter and a full stop.
    """

    def __str__(self) -> str:
        text = super().__str__().strip()
        if not text:
            return text
        text = text[0].upper() + text[1:]
        return text if text.endswith((".", "!", "?")) else text + "."


def now() -> str:
    """The current time as an ISO 8601 string in UTC, to the microsecond."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


_KIND_NAMES = {
    "reflection": "a reflection",
    "scenario": "a scenario",
    "attempt": "a self-assessment",
    "rating": "a self-assessment answer",
    "action": "an action",
    "workshop": "a workshop record",
    "cpd": "a piece of CPD",
}


def _entry_name(where: str) -> str:
    """An entry named for the learner: "a reflection", "the journal's start", never its key."""
    if where in {"created", "cleared"}:
        return {"created": "the journal's start", "cleared": "the last deletion"}[where]
    return _KIND_NAMES.get(where.partition("/")[0], "one of the journal's entries")


def _parse_time(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise JournalError(f"the time of {_entry_name(where)} is missing")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise JournalError(f"the time of {_entry_name(where)} is not a date and time") from None
    if parsed.tzinfo is None:
        raise JournalError(f"the time of {_entry_name(where)} has no time zone")
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


#: How far ahead of this machine's clock a browser's time for a change may be before it is
#: taken as wrong: a copy stamped far ahead would win every merge for ever.
CLOCK_SLACK = timedelta(minutes=2)


def sound_time(stamp: object) -> str:
    """A time a browser gave for a change, in the journal's form, if it is a sound one (a
    date and time with its zone, not ahead of this machine's clock); else the time now."""
    try:
        when = datetime.fromisoformat(_parse_time(stamp, "change"))
    except JournalError:
        return now()
    if when > datetime.now(UTC) + CLOCK_SLACK:
        return now()
    return when.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Entry:
    #: Text for a reflection; a :class:`dict` record for a scenario.
    value: Any
    updated: str

    def newer_than(self, other: Entry) -> bool:
        return self.updated > other.updated


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise JournalError("a reflection must be text")
    if len(text) > MAX_TEXT_CHARS:
        raise JournalError(
            f"This reflection is longer than {MAX_TEXT_CHARS:,} characters, the most one box "
            "can keep. Please shorten it."
        )
    return text


def _check_ids(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_PATH_STEPS:
        raise JournalError(f"a scenario's {what} must be a list of at most {MAX_PATH_STEPS} steps")
    for item in value:
        if not isinstance(item, str) or not 0 < len(item) <= MAX_ID_CHARS:
            raise JournalError(f"a scenario's {what} holds something that is not a step")
    return list(value)


def _check_scenario(record: object) -> dict[str, Any]:
    """A scenario record: the path taken so far, the ending reached, and every ending seen."""
    if not isinstance(record, dict) or set(record) != {"path", "ending", "endings"}:
        raise JournalError("a scenario record must hold its path, ending and endings")
    ending = record["ending"]
    if ending is not None and (not isinstance(ending, str) or not ending):
        raise JournalError("a scenario's ending must be a step or nothing")
    return {
        "path": _check_ids(record["path"], "path"),
        "ending": ending,
        "endings": _check_ids(record["endings"], "endings"),
    }


LEVEL_KEY = re.compile(r"^[a-z][a-z_]{0,23}$")


def _check_level(value: object) -> str:
    """A self-assessment rating: the key of a level of the course's scale."""
    if not isinstance(value, str) or not LEVEL_KEY.match(value):
        raise JournalError("a rating must be one of the scale's levels")
    return value


def _check_attempt(record: object) -> dict[str, Any]:
    """A self-assessment attempt: when it started."""
    if not isinstance(record, dict) or set(record) != {"started"}:
        raise JournalError("an attempt must say when it started")
    return {"started": _parse_time(record["started"], "attempt")}


ACTION_TEXT_LIMITS = {"what": 500, "who": 200, "by": 80, "measure": 500}
ACTION_KEYS = {*ACTION_TEXT_LIMITS, "domain", "stage", "done", "order", "deleted"}


def _check_action(record: object) -> dict[str, Any]:
    """An action in the learner's plan; a deleted one keeps no text."""
    if not isinstance(record, dict) or set(record) != ACTION_KEYS:
        raise JournalError(
            "an action must hold what, who, by when, how you will know, "
            "its domain and stage, and whether it is done"
        )
    for field, limit in ACTION_TEXT_LIMITS.items():
        value = record[field]
        if not isinstance(value, str) or len(value) > limit:
            raise JournalError(f"an action's '{field}' must be text of at most {limit} characters")
    for field in ("domain", "stage"):
        if not isinstance(record[field], str) or not LEVEL_KEY.match(record[field]):
            raise JournalError(f"an action's {field} is not one the course knows")
    for field in ("done", "deleted"):
        if not isinstance(record[field], bool):
            raise JournalError(f"an action's '{field}' must be true or false")
    order = record["order"]
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order < 10_000:
        raise JournalError("an action's place in the plan must be a whole number")
    if record["deleted"] and any(record[f] for f in ACTION_TEXT_LIMITS):
        raise JournalError("a deleted action keeps no text")
    if not record["deleted"] and not record["what"].strip():
        raise JournalError("an action says what you will do")
    return dict(record)


DEVICE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _check_workshop(record: object) -> dict[str, Any]:
    """A workshop this learner joined (or their share files): their random id for it."""
    if not isinstance(record, dict) or set(record) != {"device"}:
        raise JournalError("a workshop record holds only this device's id")
    if not isinstance(record["device"], str) or not DEVICE.match(record["device"]):
        raise JournalError("a workshop record's device id is not valid")
    return dict(record)


#: The fields of a piece of CPD, with the longest text each may hold (the words of each field
#: are in the course's content, widgets/content/cpd.toml).
CPD_TEXT_LIMITS = {
    "type": 120,
    "activity": 1500,
    "date": 60,
    "hours": 60,
    "learnt": 4000,
    "impact": 4000,
    "peer": 4000,
}
CPD_KEYS = {*CPD_TEXT_LIMITS, "order", "deleted"}


def _check_cpd(record: object) -> dict[str, Any]:
    """A draft piece of CPD; a deleted one keeps no text."""
    if not isinstance(record, dict) or set(record) != CPD_KEYS:
        raise JournalError("a CPD entry holds its fields, its place and whether it was deleted")
    for field, limit in CPD_TEXT_LIMITS.items():
        value = record[field]
        if not isinstance(value, str) or len(value) > limit:
            raise JournalError(
                f"This part of a CPD entry is longer than {limit:,} characters, the most it can "
                "keep. Please shorten it."
            )
    if not isinstance(record["deleted"], bool):
        raise JournalError("a CPD entry's 'deleted' must be true or false")
    order = record["order"]
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order < 10_000:
        raise JournalError("a CPD entry's place in the record must be a whole number")
    if record["deleted"] and any(record[f] for f in CPD_TEXT_LIMITS):
        raise JournalError("a deleted CPD entry keeps no text")
    return dict(record)


#: The kinds of entry a journal holds, each with the check its values must pass.
KINDS = {
    "cpd": _check_cpd,
    "action": _check_action,
    "reflection": _check_text,
    "scenario": _check_scenario,
    "rating": _check_level,
    "attempt": _check_attempt,
    "workshop": _check_workshop,
}


def _check_key(key: str) -> str:
    kind, sep, name = key.partition("/")
    if not sep or kind not in KINDS or not name or len(key) > 200:
        raise JournalError("the journal holds an entry of a kind the course does not know")
    return key


def _check_value(key: str, value: object) -> Any:
    return KINDS[_check_key(key).partition("/")[0]](value)


def check_entry(key: object, raw: object) -> Entry:
    """One entry as a journal file holds it (``{"value": ..., "updated": ...}``), checked."""
    if not isinstance(key, str):
        raise JournalError("the journal holds an entry of a kind the course does not know")
    _check_key(key)
    if not isinstance(raw, dict) or set(raw) != {"value", "updated"}:
        raise JournalError(
            f"{_entry_name(key)[0].upper()}{_entry_name(key)[1:]} in the journal is not "
            "in the shape the course expects."
        )
    return Entry(_check_value(key, raw["value"]), _parse_time(raw["updated"], key))


class Journal:
    """Everything a learner has written, entry by entry, each with its time."""

    def __init__(
        self,
        entries: dict[str, Entry] | None = None,
        created: str | None = None,
        cleared: str | None = None,
    ):
        self._entries: dict[str, Entry] = dict(entries or {})
        self.created = created or now()
        #: When the learner last deleted everything: nothing older may come back in a merge.
        self.cleared = cleared
        self._forget_cleared()

    # -- reading -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Journal) and self._entries == other._entries

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def reflection(self, prompt_id: str) -> str:
        entry = self._entries.get(f"reflection/{prompt_id}")
        return entry.value if entry else ""

    def reflections(self) -> dict[str, Entry]:
        """The reflections with text in them, by prompt id."""
        return {
            key.partition("/")[2]: entry
            for key, entry in sorted(self._entries.items())
            if key.startswith("reflection/") and entry.value.strip()
        }

    @property
    def updated(self) -> str | None:
        return max((e.updated for e in self._entries.values()), default=None)

    # -- writing -------------------------------------------------------------------------
    def set(self, key: str, value: Any, when: str | None = None) -> bool:
        """Set an entry; return whether anything changed."""
        value = _check_value(key, value)
        current = self._entries.get(key)
        if current is not None and current.value == value:
            return False
        stamp = when or now()
        if current is not None and stamp <= current.updated:
            # Keep time moving forward for this entry even if the clock stepped back.
            stamp = _after(current.updated)
        self._entries[key] = Entry(value, stamp)
        return True

    def set_reflection(self, prompt_id: str, text: str) -> bool:
        return self.set(f"reflection/{prompt_id}", text)

    def scenario(self, scenario_id: str) -> dict[str, Any] | None:
        entry = self._entries.get(f"scenario/{scenario_id}")
        return entry.value if entry else None

    def scenarios(self) -> dict[str, Entry]:
        """The scenarios the learner has started, by scenario id."""
        return {
            key.partition("/")[2]: entry
            for key, entry in sorted(self._entries.items())
            if key.startswith("scenario/")
        }

    def set_scenario(self, scenario_id: str, record: dict[str, Any]) -> bool:
        return self.set(f"scenario/{scenario_id}", record)

    # -- self-assessment -----------------------------------------------------------------
    def attempts(self) -> list[tuple[str, str]]:
        """The self-assessment attempts, oldest first, as (attempt id, started)."""
        found = [
            (key.partition("/")[2], entry.value["started"])
            for key, entry in self._entries.items()
            if key.startswith("attempt/")
        ]
        return sorted(found, key=lambda pair: (pair[1], pair[0]))

    def current_attempt(self) -> str:
        """The latest attempt, started now if there is none yet."""
        attempts = self.attempts()
        if attempts:
            return attempts[-1][0]
        return self.start_attempt()

    def start_attempt(self) -> str:
        numbers = [int(a) for a, _ in self.attempts() if a.isdigit()]
        attempt = str(max(numbers, default=0) + 1)
        self.set(f"attempt/{attempt}", {"started": now()})
        return attempt

    def ratings(self, attempt: str) -> dict[str, str]:
        """The ratings of one attempt, by statement id."""
        prefix = f"rating/{attempt}/"
        return {
            key[len(prefix) :]: entry.value
            for key, entry in self._entries.items()
            if key.startswith(prefix) and entry.value
        }

    def set_rating(self, attempt: str, statement_id: str, level: str) -> bool:
        return self.set(f"rating/{attempt}/{statement_id}", level)

    # -- workshops -----------------------------------------------------------------------
    def workshop_device(self, name: str) -> str | None:
        entry = self._entries.get(f"workshop/{name}")
        return entry.value["device"] if entry else None

    def set_workshop_device(self, name: str, device: str) -> bool:
        return self.set(f"workshop/{name}", {"device": device})

    # -- action plan ---------------------------------------------------------------------
    def actions(self) -> list[tuple[str, dict[str, Any]]]:
        """The actions in the plan (not deleted), in the learner's order."""
        found = [
            (key.partition("/")[2], entry.value)
            for key, entry in self._entries.items()
            if key.startswith("action/") and not entry.value["deleted"]
        ]
        return sorted(found, key=lambda pair: (pair[1]["order"], pair[0]))

    def add_action(self, **fields: Any) -> str:
        action_id = secrets.token_hex(5)
        order = max((a["order"] for _, a in self.actions()), default=-1) + 1
        record = {"done": False, "deleted": False, **fields, "order": order}
        self.set(f"action/{action_id}", record)
        return action_id

    def update_action(self, action_id: str, **fields: Any) -> bool:
        current = self.get(f"action/{action_id}")
        if current is None or current.value["deleted"]:
            raise JournalError("That action is no longer in your plan.")
        return self.set(f"action/{action_id}", {**current.value, **fields})

    # -- CPD record ----------------------------------------------------------------------
    def cpd_entries(self) -> list[tuple[str, dict[str, Any]]]:
        """The draft pieces of CPD (not deleted), oldest first."""
        found = [
            (key.partition("/")[2], entry.value)
            for key, entry in self._entries.items()
            if key.startswith("cpd/") and not entry.value["deleted"]
        ]
        return sorted(found, key=lambda pair: (pair[1]["order"], pair[0]))

    def add_cpd(self, **fields: str) -> str:
        """Start a piece of CPD with what is known; every field not given is left empty."""
        entry_id = secrets.token_hex(5)
        used = [e.value["order"] for k, e in self._entries.items() if k.startswith("cpd/")]
        record: dict[str, Any] = {f: "" for f in CPD_TEXT_LIMITS}
        record.update(fields, order=max(used, default=-1) + 1, deleted=False)
        self.set(f"cpd/{entry_id}", record)
        return entry_id

    def update_cpd(self, entry_id: str, **fields: str | bool) -> bool:
        current = self.get(f"cpd/{entry_id}")
        if current is None or current.value["deleted"]:
            raise JournalError("That CPD entry is no longer in your record.")
        return self.set(f"cpd/{entry_id}", {**current.value, **fields})

    def delete_cpd(self, entry_id: str) -> bool:
        blank = {field: "" for field in CPD_TEXT_LIMITS}
        return self.update_cpd(entry_id, **blank, deleted=True)

    def delete_action(self, action_id: str) -> bool:
        blank = {field: "" for field in ACTION_TEXT_LIMITS}
        return self.update_action(action_id, **blank, deleted=True)

    def merge(self, other: Journal) -> int:
        """Take every entry of ``other`` that is newer than ours; return how many changed.

        If either journal was cleared (everything deleted), entries from before that moment
        are dropped from both sides: a page still holding old text cannot bring it back.
        """
        self.cleared = max(filter(None, (self.cleared, other.cleared)), default=None)
        changed = self._forget_cleared()
        for key, theirs in other._entries.items():
            if self.cleared is not None and theirs.updated <= self.cleared:
                continue
            ours = self._entries.get(key)
            if ours is None or theirs.newer_than(ours):
                self._entries[key] = theirs
                changed += 1
        self.created = min(self.created, other.created)
        return changed

    def clear(self) -> None:
        """Delete everything, and remember when, so that no older copy can restore it."""
        self._entries.clear()
        self.cleared = now()
        self.created = self.cleared

    def _forget_cleared(self) -> int:
        if self.cleared is None:
            return 0
        old = [k for k, e in self._entries.items() if e.updated <= self.cleared]
        for key in old:
            del self._entries[key]
        return len(old)

    # -- serialising ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": SCHEMA_VERSION,
            "created": self.created,
            **({"cleared": self.cleared} if self.cleared else {}),
            "entries": {
                key: {"value": e.value, "updated": e.updated}
                for key, e in sorted(self._entries.items())
            },
        }

    def dumps(self) -> str:
        # Compact: the encoder's fast path, and a third less to write on every save.
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: object) -> Journal:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise JournalError("This is not a Team as a Secure Base journal.")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise JournalError("The journal does not say which version it is.")
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"This journal was written by a newer version of the course (format {version}); "
                "please update the course to open it."
            )
        data = _migrate(data, version)
        created = _parse_time(data.get("created"), "created")
        raw_entries = data.get("entries")
        if not isinstance(raw_entries, dict):
            raise JournalError("The journal has no entries section.")
        entries = {key: check_entry(key, raw) for key, raw in raw_entries.items()}
        cleared = data.get("cleared")
        if cleared is not None:
            cleared = _parse_time(cleared, "cleared")
        return cls(entries, created, cleared)

    @classmethod
    def loads(cls, text: str | bytes) -> Journal:
        try:
            data = read_json(text, max_bytes=MAX_FILE_BYTES, max_depth=MAX_JSON_DEPTH)
        except JsonFileError as exc:
            raise JournalError(_JSON_PROBLEMS[exc.reason]) from None
        return cls.from_dict(data)


def _after(stamp: str) -> str:
    return (datetime.fromisoformat(stamp) + timedelta(microseconds=1)).isoformat(
        timespec="microseconds"
    )


def _migrate(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Bring an older journal up to :data:`SCHEMA_VERSION`, one step at a time."""
    if version < 1:
        raise JournalError("The journal's version is not one the course knows.")
    if version == 1:
        # Version 2 added scenario records; a version 1 journal holds only reflections.
        data = {**data, "version": 2}
    if data["version"] == 2:
        # Version 3 added workshop records; nothing older needs to change.
        data = {**data, "version": 3}
    if data["version"] == 3:
        # Version 4 added the CPD record; nothing older needs to change.
        data = {**data, "version": 4}
    return data
