"""The schema checker behind every content file: typed, strict, and naming the place.

A content type is a frozen dataclass; :func:`build` makes one from a TOML table and refuses
missing keys, unknown keys and values of the wrong type, naming the file and the place in it.
The same checker reads the course (:mod:`.course`) and the scenario exercises
(:mod:`.scenarios`).

Why dataclasses and not a validation library: the checker is about eighty lines, imports in
well under a millisecond, and is pure Python, so the same code runs where the course runs in
the learner's browser (Pyodide), where compiled validators are not to be had from PyPI.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import MISSING, asdict, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["ContentError", "build", "find", "kept_checked", "read_toml", "table_list", "unique"]

if typing.TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = typing.TypeVar("T")
D = typing.TypeVar("D", bound="DataclassInstance")


class ContentError(ValueError):
    """The course content does not match its schema."""


def find(items: typing.Iterable[T], attribute: str, value: str, what: str) -> T:
    """The item whose ``attribute`` is ``value``; KeyError naming what was looked for."""
    for item in items:
        if getattr(item, attribute) == value:
            return item
    raise KeyError(f"no {what} {value!r}")


def check_value(value: object, annotation: object, where: str) -> object:
    """Check one value against a field's annotation; return it converted (lists to tuples)."""
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        (inner,) = [a for a in options if a is not type(None)]
        return check_value(value, inner, where)
    if origin is tuple:
        inner = typing.get_args(annotation)[0]
        if not isinstance(value, list):
            raise ContentError(f"{where}: expected a list, found {type(value).__name__}")
        return tuple(check_value(v, inner, f"{where}[{i}]") for i, v in enumerate(value))
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ContentError(f"{where}: expected a whole number, found {type(value).__name__}")
        return value
    if annotation is bool:
        if not isinstance(value, bool):
            raise ContentError(f"{where}: expected true or false, found {type(value).__name__}")
        return value
    if annotation is str:
        if not isinstance(value, str):
            raise ContentError(f"{where}: expected text, found {type(value).__name__}")
        if not value.strip():
            raise ContentError(f"{where}: must not be empty")
        if value != value.strip():
            raise ContentError(f"{where}: has spaces at its start or end")
        return value
    if isinstance(annotation, type) and is_dataclass(annotation):
        # A table inside a table: checked against its own dataclass.
        return build(annotation, value, where)
    raise TypeError(f"unsupported annotation {annotation!r}")  # pragma: no cover


@cache
def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)


def build(cls: type[D], raw: object, where: str, *, skip: tuple[str, ...] = ()) -> D:
    """Build a frozen dataclass from a TOML table, refusing anything off-schema."""
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected a table, found {type(raw).__name__}")
    hints = _hints(cls)
    known = {f.name: f for f in fields(cls) if f.name not in skip}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ContentError(f"{where}: unknown key(s) {', '.join(unknown)}")
    values = {}
    for name, f in known.items():
        if name not in raw:
            if f.default is not MISSING:
                continue
            raise ContentError(f"{where}: missing key {name!r}")
        values[name] = check_value(raw[name], hints[name], f"{where}.{name}")
    return cls(**values)


def read_toml(path: Path, error: type[ContentError] = ContentError) -> dict[str, Any]:
    """A content file's data: from the parsed-content cache if the file is unchanged, else parsed.

    Every page of the course runs in a new kernel that reads the course's content afresh, and
    Python's TOML parser is slow next to its JSON one; so what each file parses to is kept as
    JSON in the user's cache folder, one small file for each content file, under the content
    file's size and modification time. A page reads only the entries it needs. The cache holds
    plain data only, checked by :func:`build` exactly as freshly parsed TOML is.
    """
    stamp = _stamp(path)
    where = str(path.resolve())
    entry = _cache_entry(where)
    if stamp:
        with contextlib.suppress(OSError, ValueError, TypeError):
            kept = json.loads(entry.read_bytes())
            if isinstance(kept, dict) and kept.get("stamp") == stamp and kept.get("path") == where:
                data = kept.get("data")
                if isinstance(data, dict):
                    return data
    import tomllib  # only when a file has changed: most pages never parse TOML

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path.name}: not valid TOML ({exc})") from None
    if stamp:
        try:
            text = json.dumps(
                {"path": where, "stamp": stamp, "data": data},
                ensure_ascii=False,
                separators=(",", ":"),
            )
        except (TypeError, ValueError):
            pass  # a value JSON cannot hold (a date, say): parse this file each time
        else:
            _write_entry(entry, text)
    return data


#: Where the parsed-content cache lives; ``SECURE_BASE_CACHE`` names another folder.
CACHE_ENV = "SECURE_BASE_CACHE"
#: The cache's own folder within the course's cache folder (its number is its format's).
_CACHE_NAME = "parsed-content-2"


def cache_folder() -> Path:
    """The course's own cache folder: ``SECURE_BASE_CACHE``, else the user's cache folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_path

    return user_cache_path("secure-base", appauthor=False)


def _stamp(path: Path) -> list[int] | None:
    """A file's size and modification time, which a cache entry is kept under; ``None`` for a
    file that cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _cache_entry(where: str, folder: str = _CACHE_NAME) -> Path:
    """The cache file for ``where`` (a content file's resolved path, or what else an entry is
    for) in one of the cache's folders, named by a digest."""
    digest = hashlib.sha256(where.encode("utf-8")).hexdigest()[:32]
    return cache_folder() / folder / f"{digest}.json"


def _write_entry(entry: Path, text: str) -> None:
    """Keep one entry for the next page; a folder that cannot be written is no problem."""
    tmp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".parsed-", suffix=".tmp", dir=entry.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, entry)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


#: The cache of content already checked, within the course's cache folder (its number is its
#: format's).
_CHECKED_NAME = "checked-content-1"


def kept_checked(name: str, files: Iterable[Path], kind: Any, make: Callable[[], T]) -> T:
    """What ``make`` gives, content read and checked, kept from one process to the next.

    Every page's kernel would otherwise check the whole course again (about 1,300 values
    against their types, then the course's own rules) to show one module. What ``make`` gives
    is kept in the cache folder as plain data, under the size and modification time of every
    one of ``files``: the content files it was read from and the code that checks them. A
    process whose files all match rebuilds the value, of type ``kind``, from that data without
    checking it again; any change to any of them, or an entry that cannot be read or rebuilt,
    means it is read and checked afresh (and kept again). Nothing in the cache is run as code.
    """
    stamps: list[Any] = []
    for path in files:
        stamp = _stamp(path)
        if stamp is None:
            return make()
        stamps.append([str(path), *stamp])
    entry = _cache_entry(json.dumps([name, stamps[:1]]), _CHECKED_NAME)
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
        kept = json.loads(entry.read_bytes())
        if isinstance(kept, dict) and kept.get("name") == name and kept.get("stamps") == stamps:
            value: T = _reviver(kind)(kept["data"])
            return value
    value = make()
    try:
        text = json.dumps(
            {"name": name, "stamps": stamps, "data": _plain(value)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
    except (TypeError, ValueError):
        return value
    _write_entry(entry, text)
    return value


def _plain(value: Any) -> Any:
    """A checked value as plain data: a dataclass as a table, a tuple as a list."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


@cache
def _reviver(annotation: Any) -> Callable[[Any], Any]:
    """Rebuilds a value of this annotation from its plain data. The course's rules are not
    checked again, but the data's shape is (each table's fields, each value's type), so an entry
    damaged or written by other code is refused, with TypeError, and not taken for content."""
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        (inner,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        revive = _reviver(inner)
        return lambda value: None if value is None else revive(value)
    if origin is tuple:
        item = _reviver(typing.get_args(annotation)[0])
        return lambda value: tuple(item(v) for v in _of_type(value, list))
    if isinstance(annotation, type) and is_dataclass(annotation):
        hints = _hints(annotation)
        plan = [(f.name, _reviver(hints[f.name])) for f in fields(annotation) if f.init]
        names = {name for name, _ in plan}
        cls = annotation

        def table(value: Any) -> Any:
            if type(value) is not dict or value.keys() != names:
                raise TypeError(f"not a {cls.__name__} as it was kept")
            return cls(**{name: revive(value[name]) for name, revive in plan})

        return table
    if annotation in (str, int, bool):
        return lambda value: _of_type(value, annotation)
    raise TypeError(f"unsupported annotation {annotation!r}")  # pragma: no cover


def _of_type(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise TypeError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def table_list(raw: dict[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise ContentError(f"{where}: needs at least one [[{key}]] table")
    return value


def unique(items: typing.Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ContentError(f"{what} {item!r} appears more than once")
        seen.add(item)
