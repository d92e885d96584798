"""Reading JSON that came from outside (an upload, a browser's storage) with bounds on it.

Python's JSON decoder recurses once per level of nesting, so a small file of thousands of nested
lists (``[[[[...]]]]``) passes any size check and then fails deep inside the decoder. Here the
size is checked first, then the nesting is measured without decoding (strings set aside, the
brackets counted), and only a file inside both bounds is decoded. Every refusal is a
:class:`JsonFileError`, a :class:`ValueError` whose message can be shown to the person who sent
the file.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JsonFileError", "nesting_depth", "read_json", "size_text"]

#: A JSON string: its quotes, and anything escaped inside it.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


class JsonFileError(ValueError):
    """JSON that cannot be read within its bounds. ``reason`` is "size", "depth" or "syntax", so
    that each caller can say it in the words of its own kind of file."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def nesting_depth(data: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest, measured without decoding it."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b'""', data)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def read_json(data: bytes | str, *, max_bytes: int, max_depth: int) -> Any:
    """Decode ``data`` if it is at most ``max_bytes`` long and nests at most ``max_depth`` deep."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise JsonFileError("size", f"It is larger than {size_text(max_bytes)}.")
    if nesting_depth(raw) > max_depth:
        raise JsonFileError("depth", "Its contents are nested far too deeply.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise JsonFileError("syntax", "It is not valid JSON.") from None


def size_text(limit: int) -> str:
    """A size limit as people say it: ``8 MB``, ``16 KB``."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"
