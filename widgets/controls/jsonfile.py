"""Reading JSON that came from outside (an upload, a browser's storage) with bounds on it.

Python's JSON decoder recurses once per level of nesting, so a small file of thousands of nested
lists (``[[[[...]]]]``) passes any size check and then fails deep inside the decoder. Here the
size is checked first; the decoder's own recursion limit is caught and said in plain words; and
what was decoded is measured, without recursion, against the nesting its kind of file can have.
Every refusal is a :class:`JsonFileError`, a :class:`ValueError` whose message can be shown to
the person who sent the file.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["JsonFileError", "nesting_depth", "read_json", "size_text"]


DEEP = "Its contents are nested far too deeply."


class JsonFileError(ValueError):
    """JSON that cannot be read within its bounds. ``reason`` is "size", "depth" or "syntax", so
    that each caller can say it in the words of its own kind of file."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def nesting_depth(value: object, limit: int) -> int:
    """How deeply the lists and dicts in ``value`` nest, counting no further than ``limit + 1``.

    Walked with a stack of its own, never by recursion.
    """
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def read_json(data: bytes | str, *, max_bytes: int, max_depth: int) -> Any:
    """Decode ``data`` if it is at most ``max_bytes`` long and nests at most ``max_depth`` deep."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise JsonFileError("size", f"It is larger than {size_text(max_bytes)}.")
    try:
        value = json.loads(raw)
    except RecursionError:
        raise JsonFileError("depth", DEEP) from None
    except (ValueError, UnicodeDecodeError):
        raise JsonFileError("syntax", "It is not valid JSON.") from None
    if nesting_depth(value, max_depth) > max_depth:
        raise JsonFileError("depth", DEEP)
    return value


def size_text(limit: int) -> str:
    """A size limit as people say it: ``8 MB``, ``16 KB``."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"
