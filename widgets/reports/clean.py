"""Learner text made safe to write into a page: the characters HTML forbids are dropped.

A learner can type (or paste) characters that HTML does not allow in a document at all: NUL and
the other C0 controls but tab, line feed and carriage return, the C1 controls, lone surrogates
and the noncharacters. Escaping does not help with these, so the pages the course writes drop
them; the journal keeps exactly what the learner typed.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

#: The C0 controls other than tab, newline and carriage return (form feed goes too: it has no
#: place in a page), DEL and the C1 controls, lone surrogates (which cannot even be written as
#: UTF-8), and the noncharacters, the last two code points of every plane among them.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def printable(text: str) -> str:
    """``text`` without the characters an HTML page may not contain."""
    return _FORBIDDEN.sub("", text)
