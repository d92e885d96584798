"""The CPD record's words: its introduction, and the fields of one piece of CPD with a prompt each
(``cpd.toml`` beside this module), read and checked once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .course import content_root
from .schema import ContentError, build, read_toml, unique

__all__ = ["CpdField", "CpdText", "load_cpd", "parse_cpd"]


@dataclass(frozen=True)
class CpdField:
    key: str
    label: str
    prompt: str
    #: The field for peer reflection.
    peer: bool = False


@dataclass(frozen=True)
class CpdText:
    intro: str
    disclaimer: str
    peer_intro: str
    field: tuple[CpdField, ...]

    def get(self, key: str) -> CpdField:
        for f in self.field:
            if f.key == key:
                return f
        raise KeyError(f"no CPD field {key!r}")


def parse_cpd(path: Path) -> CpdText:
    text = build(CpdText, read_toml(path), path.name)
    unique([f.key for f in text.field], "CPD field")
    if sum(f.peer for f in text.field) != 1:
        raise ContentError(f"{path.name}: exactly one field is the peer reflection")
    return text


@cache
def load_cpd() -> CpdText:
    return parse_cpd(content_root() / "cpd.toml")
