"""Files a page hands to the browser.

Voilà serves no files beside a notebook, so a download travels to the browser as a data URI in
a link. (Files that come the other way arrive through :mod:`.upload`.)
"""

from __future__ import annotations

import base64
from html import escape

__all__ = ["download_link"]


def download_link(data: bytes, mime: str, filename: str, label: str) -> str:
    """A link that saves ``data`` as ``filename``, with its size in the label."""
    uri = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return (
        f'<p><a class="sb-download" href="{uri}" download="{escape(filename)}">'
        f"{escape(label)} ({len(data) / 1024:.0f} KB)</a></p>"
    )
