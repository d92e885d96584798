"""The cohort store: only what learners choose to share with a workshop, and nothing else.

A learner's share is one level (0-4 on the course's scale) for each domain and stage they have
rated, under a random per-device id, so that they can update or withdraw it later without anyone
knowing who they are. The store keeps no names and no reflections; free text reaches it only as an
anonymous note that a learner posts to the room on purpose. Device ids are kept only as hashes,
and a note is filed under a different hash from the ratings, so the two cannot be joined.

SQLite by default (one file, WAL, short write transactions that take the lock at the start), or
any database SQLAlchemy can reach from a URL (PostgreSQL for an organisation).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..content import Course
from ..controls import JsonFileError, read_json, size_text

#: Environment the workshop gives its servers (and so every kernel they start).
DB_ENV = "SECURE_BASE_COHORT_DB"
#: Or the name of a file holding that URL (on a hub: a secret only the dashboard service reads).
DB_FILE_ENV = "SECURE_BASE_COHORT_DB_FILE"
ROLE_ENV = "SECURE_BASE_ROLE"
COHORT_ENV = "SECURE_BASE_COHORT"
MIN_ANSWERS_ENV = "SECURE_BASE_MIN_ANSWERS"

#: A cell of the cohort's grid is shown only once this many people have rated it.
DEFAULT_MIN_ANSWERS = 5
#: Below this, one person's answer could be read off the grid: never allowed.
MIN_ANSWERS_FLOOR = 3
MAX_NOTE_CHARS = 500
MAX_TITLE_CHARS = 120
MAX_NOTES_PER_DEVICE = 20
#: Levels on the course's scale that carry a score: 0 (not yet) to 4 (well established).
LEVELS = range(5)

#: Letters and digits that cannot be mistaken for one another when read aloud or written down.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_PATTERN = re.compile(rf"^[{CODE_ALPHABET}]{{3}}-[{CODE_ALPHABET}]{{3}}$")
DEVICE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")

SHARE_FORMAT = "secure-base-share"
SHARE_VERSION = 1
MAX_SHARE_FILE_BYTES = 16 * 1024
#: A share file nests two levels deep (the file, its ratings).
MAX_SHARE_FILE_DEPTH = 4


#: What a database that cannot be reached (or is busy beyond waiting, or whose driver is not
#: installed) raises.
STORE_PROBLEMS = (sa.exc.SQLAlchemyError, OSError, ImportError)


class CohortError(ValueError):
    """Something a learner or trainer gave that the store cannot accept; the message says why."""


def now() -> str:
    return datetime.now(UTC).replace(second=0, microsecond=0).isoformat()


def new_code() -> str:
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
    return f"{letters[:3]}-{letters[3:]}"


def normalise_code(text: object) -> str:
    """A cohort code as typed (any case, spaces, with or without its dash) in its one form."""
    if not isinstance(text, str) or len(text) > 20:
        raise CohortError("A cohort code has six letters and numbers, such as K7M-4QX.")
    letters = re.sub(r"[\s-]", "", text).upper()
    code = f"{letters[:3]}-{letters[3:]}"
    if not CODE_PATTERN.match(code):
        raise CohortError(
            "That is not a cohort code. A code has six letters and numbers, such as K7M-4QX; "
            "your trainer can tell you yours."
        )
    return code


def new_device() -> str:
    """A learner's random id for one cohort, kept only in their own journal."""
    return secrets.token_urlsafe(18)


def device_hash(device: str, purpose: str = "ratings") -> str:
    if not isinstance(device, str) or not DEVICE_PATTERN.match(device):
        raise CohortError("This device's id is not valid; join the cohort again.")
    return hashlib.sha256(f"{purpose}:{device}".encode()).hexdigest()


def owner_keys(secret: bytes, code: str, user: str) -> tuple[str, str]:
    """The keys a hub user's ratings and notes are filed under in one cohort.

    Each is a keyed hash (HMAC-SHA256) of the cohort and the user's name, with a secret only the
    dashboard service holds, so that one person has one share per cohort while the store holds
    no name and nobody with the database alone can test a name against it. Ratings and notes
    have different keys, so the two cannot be joined.
    """
    if len(secret) < 16:
        raise CohortError("The service's secret for keeping shares apart is too short.")
    if not isinstance(user, str) or not user:
        raise CohortError("A share needs the hub user it comes from.")
    code = normalise_code(code)

    def key(purpose: str) -> str:
        message = f"{purpose}\0{code}\0{user}".encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest()

    return key("ratings"), key("notes")


def check_min_answers(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_ANSWERS_FLOOR:
        raise CohortError(
            f"The smallest number of answers a cell needs before it is shown must be a whole "
            f"number of at least {MIN_ANSWERS_FLOOR}, so that nobody's answer can be picked out."
        )
    return value


def check_ratings(course: Course, ratings: Mapping[Any, Any]) -> dict[tuple[str, str], int]:
    """Ratings as (domain, stage) -> level, each checked against the course."""
    if not isinstance(ratings, Mapping) or not ratings:
        raise CohortError("There are no ratings to share yet.")
    domains = {d.key for d in course.domains}
    stages = {s.key for s in course.stages}
    checked = {}
    for cell, level in ratings.items():
        if (
            not isinstance(cell, tuple)
            or len(cell) != 2
            or cell[0] not in domains
            or cell[1] not in stages
        ):
            raise CohortError(f"{cell!r} is not a domain and stage of the course.")
        if isinstance(level, bool) or level not in LEVELS:
            raise CohortError(f"A shared rating is a level from 0 to 4, not {level!r}.")
        checked[cell] = int(level)
    return checked


def check_note(text: object) -> str:
    if not isinstance(text, str):
        raise CohortError("A note is text.")
    text = text.strip()
    if not text:
        raise CohortError("The note is empty.")
    if len(text) > MAX_NOTE_CHARS:
        raise CohortError(
            f"A note to the room can be up to {MAX_NOTE_CHARS} characters; this one has "
            f"{len(text)}. Shorten it and post it again."
        )
    return text


# -- the database ---------------------------------------------------------------------------
metadata = sa.MetaData()
cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("code", sa.String(7), primary_key=True),
    sa.Column("title", sa.String(MAX_TITLE_CHARS), nullable=False),
    sa.Column("created", sa.String(32), nullable=False),
)
shares = sa.Table(
    "shares",
    metadata,
    sa.Column(
        "cohort", sa.String(7), sa.ForeignKey("cohorts.code", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("device", sa.String(64), primary_key=True),
    sa.Column("domain", sa.String(24), primary_key=True),
    sa.Column("stage", sa.String(24), primary_key=True),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("updated", sa.String(32), nullable=False),
    sa.CheckConstraint("level >= 0 AND level <= 4", name="level_on_the_scale"),
)
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "cohort", sa.String(7), sa.ForeignKey("cohorts.code", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("device", sa.String(64), nullable=False),
    sa.Column("text", sa.String(MAX_NOTE_CHARS), nullable=False),
    sa.Column("posted", sa.String(32), nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
)
sa.Index("shares_by_cohort", shares.c.cohort, shares.c.domain, shares.c.stage)
sa.Index("notes_by_cohort", notes.c.cohort)


def database_from_environment(environ: Mapping[str, str]) -> str | None:
    """The cohort store's URL: from ``SECURE_BASE_COHORT_DB``, or from the file that
    ``SECURE_BASE_COHORT_DB_FILE`` names (such as a mounted secret), or None if neither is set.

    Never from a command line, where other users of the computer could read its password.
    """
    where = environ.get(DB_ENV, "").strip()
    if where:
        return where
    named = environ.get(DB_FILE_ENV, "").strip()
    if not named:
        return None
    try:
        text = Path(named).expanduser().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CohortError(
            f"The file that {DB_FILE_ENV} names could not be read ({exc}). It should hold the "
            "cohort database's address on one line."
        ) from None
    if not text or len(text.splitlines()) != 1:
        raise CohortError(
            f"The file that {DB_FILE_ENV} names should hold the cohort database's address on "
            "one line, and nothing else."
        )
    return text


def database_url(where: str | Path) -> str:
    """A database URL as given, or an SQLite URL for a file path."""
    text = str(where)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def _sqlite_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, say when a transaction starts (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # Take the write lock at the start, so that two learners sharing at once queue for it
        # instead of one failing half-way through with "database is locked".
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@dataclass(frozen=True)
class Cohort:
    code: str
    title: str
    created: str


@dataclass(frozen=True)
class Note:
    id: int
    text: str
    posted: str
    hidden: bool


@dataclass(frozen=True)
class CellSummary:
    domain: str
    stage: str
    #: How many people chose each level, 0 (not yet) to 4 (well established).
    counts: tuple[int, ...]

    @property
    def answers(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float:
        return sum(level * n for level, n in enumerate(self.counts)) / self.answers


@dataclass(frozen=True)
class Summary:
    cohort: Cohort
    participants: int
    min_answers: int
    #: Every cell of the grid; those with fewer answers than the minimum carry no counts.
    cells: dict[tuple[str, str], CellSummary | None] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def shown(self) -> list[CellSummary]:
        return [c for c in self.cells.values() if c is not None]

    def lowest(self, how_many: int = 3) -> list[CellSummary]:
        return sorted(self.shown(), key=lambda c: (c.mean, -c.answers))[:how_many]


class CohortStore:
    """One database of cohorts; every method is one short transaction."""

    def __init__(self, where: str | Path, course: Course):
        self.url = database_url(where)
        self.course = course
        if self.url.startswith("sqlite"):
            if self.url.startswith("sqlite:///") and not self.url.endswith(":memory:"):
                Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        metadata.create_all(self.engine)

    @classmethod
    def from_environment(cls, course: Course, environ: Mapping[str, str]) -> CohortStore | None:
        where = database_from_environment(environ)
        return cls(where, course) if where else None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as connection:
            yield connection

    # -- cohorts ----------------------------------------------------------------------------
    def create_cohort(self, title: str) -> Cohort:
        title = " ".join(str(title).split())
        if not title or len(title) > MAX_TITLE_CHARS:
            raise CohortError(f"A cohort needs a name of 1 to {MAX_TITLE_CHARS} characters.")
        with self._writing() as db:
            taken = set(db.scalars(sa.select(cohorts.c.code)))
            code = new_code()
            while code in taken:
                code = new_code()
            cohort = Cohort(code, title, now())
            db.execute(cohorts.insert().values(code=code, title=title, created=cohort.created))
        return cohort

    def cohort(self, code: str) -> Cohort | None:
        code = normalise_code(code)
        with self.engine.connect() as db:
            row = db.execute(sa.select(cohorts).where(cohorts.c.code == code)).first()
        return Cohort(row.code, row.title, row.created) if row else None

    def cohorts(self) -> list[Cohort]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(cohorts).order_by(cohorts.c.created, cohorts.c.code))
            return [Cohort(r.code, r.title, r.created) for r in rows]

    def _existing(self, db: sa.Connection, code: str) -> str:
        code = normalise_code(code)
        if db.scalar(sa.select(cohorts.c.code).where(cohorts.c.code == code)) is None:
            raise CohortError(
                f"There is no cohort {code} here. Check the code with your trainer; it may have "
                "been closed."
            )
        return code

    def delete_cohort(self, code: str) -> None:
        with self._writing() as db:
            code = self._existing(db, code)
            db.execute(shares.delete().where(shares.c.cohort == code))
            db.execute(notes.delete().where(notes.c.cohort == code))
            db.execute(cohorts.delete().where(cohorts.c.code == code))

    # -- a learner's share ------------------------------------------------------------------
    def share(self, code: str, device: str, ratings: Mapping[Any, Any]) -> None:
        """Replace what this device has shared with these ratings."""
        self.share_hashed(code, device_hash(device), ratings)

    def share_hashed(self, code: str, device: str, ratings: Mapping[Any, Any]) -> bool:
        """As `share`, for a device known only by its hash (a share file); True if it is new."""
        if not HASH_PATTERN.match(device):
            raise CohortError("This share has no valid device id.")
        checked = check_ratings(self.course, ratings)
        stamp = now()
        with self._writing() as db:
            code = self._existing(db, code)
            mine = (shares.c.cohort == code) & (shares.c.device == device)
            known = db.scalar(sa.select(sa.func.count()).select_from(shares).where(mine))
            db.execute(shares.delete().where(mine))
            db.execute(
                shares.insert(),
                [
                    {
                        "cohort": code,
                        "device": device,
                        "domain": domain,
                        "stage": stage,
                        "level": level,
                        "updated": stamp,
                    }
                    for (domain, stage), level in sorted(checked.items())
                ],
            )
        return not known

    def shared(self, code: str, device: str) -> dict[tuple[str, str], int]:
        """What this device has shared with the cohort (empty if nothing)."""
        return self.shared_hashed(code, device_hash(device))

    def shared_hashed(self, code: str, owner: str) -> dict[tuple[str, str], int]:
        """As `shared`, for ratings filed under ``owner`` (a hash)."""
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(shares.c.domain, shares.c.stage, shares.c.level).where(
                    (shares.c.cohort == normalise_code(code)) & (shares.c.device == owner)
                )
            )
            return {(r.domain, r.stage): r.level for r in rows}

    def withdraw(self, code: str, device: str) -> bool:
        """Remove this device's ratings and notes; True if there was anything to remove."""
        return self.withdraw_hashed(code, device_hash(device), device_hash(device, "notes"))

    def withdraw_hashed(self, code: str, ratings_owner: str, notes_owner: str) -> bool:
        """As `withdraw`, for ratings and notes filed under these hashes."""
        with self._writing() as db:
            code = normalise_code(code)
            mine = (shares.c.cohort == code) & (shares.c.device == ratings_owner)
            gone = db.execute(shares.delete().where(mine)).rowcount
            gone += db.execute(
                notes.delete().where((notes.c.cohort == code) & (notes.c.device == notes_owner))
            ).rowcount
        return gone > 0

    def post_note(self, code: str, device: str, text: str) -> int:
        return self.post_note_hashed(code, device_hash(device, "notes"), text)

    def post_note_hashed(self, code: str, owner: str, text: str) -> int:
        """As `post_note`, for a note filed under ``owner`` (a hash)."""
        text = check_note(text)
        if not HASH_PATTERN.match(owner):
            raise CohortError("This note has no valid owner.")
        with self._writing() as db:
            code = self._existing(db, code)
            posted = (
                db.scalar(
                    sa.select(sa.func.count())
                    .select_from(notes)
                    .where((notes.c.cohort == code) & (notes.c.device == owner))
                )
                or 0
            )
            if posted >= MAX_NOTES_PER_DEVICE:
                raise CohortError(
                    f"You have posted {MAX_NOTES_PER_DEVICE} notes to this room, which is as many "
                    "as it takes from one person."
                )
            result = db.execute(
                notes.insert().values(cohort=code, device=owner, text=text, posted=now())
            )
            key = result.inserted_primary_key
            assert key is not None  # an insert always has one
            return int(key[0])

    def my_notes(self, code: str, device: str) -> list[Note]:
        return self.my_notes_hashed(code, device_hash(device, "notes"))

    def my_notes_hashed(self, code: str, owner: str) -> list[Note]:
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(notes)
                .where((notes.c.cohort == normalise_code(code)) & (notes.c.device == owner))
                .order_by(notes.c.id)
            )
            return [Note(r.id, r.text, r.posted, r.hidden) for r in rows]

    # -- the trainer's view -----------------------------------------------------------------
    def set_note_hidden(self, code: str, note_id: int, hidden: bool) -> None:
        with self._writing() as db:
            db.execute(
                notes.update()
                .where((notes.c.cohort == normalise_code(code)) & (notes.c.id == int(note_id)))
                .values(hidden=bool(hidden))
            )

    def summary(self, code: str, min_answers: int = DEFAULT_MIN_ANSWERS) -> Summary:
        min_answers = check_min_answers(min_answers)
        with self.engine.connect() as db:
            code = self._existing(db, code)
            row = db.execute(sa.select(cohorts).where(cohorts.c.code == code)).one()
            where = shares.c.cohort == code
            participants = (
                db.scalar(sa.select(sa.func.count(sa.distinct(shares.c.device))).where(where)) or 0
            )
            counts: dict[tuple[str, str], list[int]] = {}
            for r in db.execute(
                sa.select(shares.c.domain, shares.c.stage, shares.c.level, sa.func.count())
                .where(where)
                .group_by(shares.c.domain, shares.c.stage, shares.c.level)
            ):
                counts.setdefault((r.domain, r.stage), [0] * len(LEVELS))[r.level] = r[3]
            note_rows = db.execute(
                sa.select(notes).where(notes.c.cohort == code).order_by(notes.c.id)
            )
            cohort_notes = tuple(Note(n.id, n.text, n.posted, n.hidden) for n in note_rows)
        cells: dict[tuple[str, str], CellSummary | None] = {}
        for domain in self.course.domains:
            for stage in self.course.stages:
                found = counts.get((domain.key, stage.key))
                cells[(domain.key, stage.key)] = (
                    CellSummary(domain.key, stage.key, tuple(found))
                    if found is not None and sum(found) >= min_answers
                    else None
                )
        return Summary(
            Cohort(row.code, row.title, row.created),
            participants,
            min_answers,
            cells,
            cohort_notes,
        )

    def import_share_file(self, code: str, data: bytes) -> bool:
        """Add or replace the ratings in a learner's share file; True if the learner is new."""
        device, ratings = read_share_file(data, self.course)
        return self.share_hashed(code, device, ratings)

    def integrity(self) -> list[str]:
        """Problems the database finds in itself (SQLite's own check), or an empty list."""
        if not self.url.startswith("sqlite"):
            return []
        with self.engine.connect() as db:
            found = [r[0] for r in db.exec_driver_sql("PRAGMA integrity_check")]
            found += [str(tuple(r)) for r in db.exec_driver_sql("PRAGMA foreign_key_check")]
        return [] if found == ["ok"] else found


# -- share files (the offline route) ----------------------------------------------------------
def share_file(course: Course, device: str, ratings: Mapping[Any, Any]) -> str:
    """A ratings-only file a learner can send to their trainer: no names, no writing."""
    checked = check_ratings(course, ratings)
    return json.dumps(
        {
            "format": SHARE_FORMAT,
            "version": SHARE_VERSION,
            "course": course.title,
            "device": device_hash(device),
            "created": now(),
            "ratings": {f"{d}/{s}": level for (d, s), level in sorted(checked.items())},
        },
        indent=1,
        ensure_ascii=False,
    )


def read_share_file(data: bytes | str, course: Course) -> tuple[str, dict[tuple[str, str], int]]:
    try:
        record = read_json(data, max_bytes=MAX_SHARE_FILE_BYTES, max_depth=MAX_SHARE_FILE_DEPTH)
    except JsonFileError as exc:
        raise CohortError(
            {
                "size": "This file is too large to be a share file (share files are under "
                f"{size_text(MAX_SHARE_FILE_BYTES)}).",
                "depth": "This is not a share file: its contents are nested far too deeply.",
                "syntax": "This is not a share file: it could not be read as one.",
            }[exc.reason]
        ) from None
    if not isinstance(record, dict) or record.get("format") != SHARE_FORMAT:
        raise CohortError("This is not a share file from this course.")
    if record.get("version") != SHARE_VERSION:
        raise CohortError("This share file was made by another version of the course.")
    device = record.get("device")
    if not isinstance(device, str) or not HASH_PATTERN.match(device):
        raise CohortError("This share file has no valid device id.")
    ratings = record.get("ratings")
    if not isinstance(ratings, dict):
        raise CohortError("This share file holds no ratings.")
    cells: dict[Any, Any] = {}
    for key, level in ratings.items():
        domain, _, stage = str(key).partition("/")
        cells[(domain, stage)] = level
    return device, check_ratings(course, cells)
