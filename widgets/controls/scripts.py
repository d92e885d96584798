"""The scripts that draw the course's components in the browser, sent once rather than per widget.

Each component is drawn by an ES module made of one or more files of the ``widgets`` package
(the shared part of every page component, then its own). Without help, that module's text
travels in every widget's state: on a domain module about 90 KB of a page's 160 KB, and
anywidget's front end compiles it once for each widget.

A server that serves the course (``secure-base serve``, and the course's Jupyter server
extension on Binder and JupyterHub) also serves each script as a file, at
``<base URL>secure-base/scripts/<digest>/<file>,<file>``, and tells its kernels so through
:data:`SCRIPTS_ENV`. A widget's ``_esm`` is then a two-line module that imports the script from
that address: the browser fetches and compiles it once for every widget of its kind, and keeps
it while the course is unchanged (the digest names its text). Anywhere else (a kernel started
by hand, the static site, a test) the whole text goes in the state, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

__all__ = ["ROUTE", "SCRIPTS_ENV", "Script", "ServedScript", "script", "served_script"]

#: Where a server serves the scripts, under its base URL.
ROUTE = "secure-base/scripts/"
#: Set by a server that serves the scripts, for its kernels: the address (from the server's
#: root, base URL included) under which it serves them.
SCRIPTS_ENV = "SECURE_BASE_SCRIPTS_URL"

_PACKAGE = Path(__file__).resolve().parents[1]
#: A script's file: a ``.js`` file of one of these folders of the package, by its plain name.
_PART = re.compile(r"(?:controls|journal|pages)/[a-z][a-z0-9_]*\.js")
_DIGEST_CHARS = 16


def _text(parts: tuple[str, ...]) -> str:
    return "\n".join((_PACKAGE / part).read_text(encoding="utf-8") for part in parts)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGEST_CHARS]


class Script(str):
    """A component's ES module: its whole text, and the files of the package it is made of."""

    parts: tuple[str, ...]

    def __new__(cls, text: str, parts: tuple[str, ...] = ()) -> Script:
        made = super().__new__(cls, text)
        made.parts = parts
        return made

    @cached_property
    def digest(self) -> str:
        """What names this text in the script's address (worked out once, not per widget)."""
        return _digest(str(self))

    def address(self, prefix: str) -> str:
        """Where a server that serves scripts under ``prefix`` serves this one."""
        return f"{prefix}{self.digest}/{','.join(self.parts)}"

    def for_page(self) -> str:
        """What a widget's ``_esm`` holds: an import of the served script, else its whole text."""
        prefix = os.environ.get(SCRIPTS_ENV, "")
        if not prefix or not self.parts:
            return str(self)
        address = json.dumps(self.address(prefix))
        return (
            "// The course's script for this kind of widget, fetched once for them all.\n"
            f"export default (await import(new URL({address}, location.href).href)).default;\n"
        )


def script(*parts: str) -> Script:
    """The ES module made of these files of the ``widgets`` package, in this order."""
    for part in parts:
        if not _PART.fullmatch(part):
            raise ValueError(f"not a script of the course: {part!r}")
    return Script(_text(parts), parts)


@dataclass(frozen=True)
class ServedScript:
    """What the scripts' route sends: the text, and whether the address named this very text."""

    text: str
    current: bool


def served_script(tail: str) -> ServedScript | None:
    """The script at ``<digest>/<file>,<file>`` under the route, or None if there is none.

    A digest that no longer matches (the course was updated while a page was open) still gets
    the script as it is now, marked as not current so that it is not kept.
    """
    digest, _, files = tail.partition("/")
    parts = tuple(files.split(","))
    if not files or not all(_PART.fullmatch(part) for part in parts):
        return None
    if not all((_PACKAGE / part).is_file() for part in parts):
        return None
    text = _text(parts)
    return ServedScript(text, digest == _digest(text))
