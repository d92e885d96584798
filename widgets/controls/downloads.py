"""Files a page hands to the browser, and files it takes from it.

Voilà serves no files beside a notebook, so a download travels to the browser as a data URI in
a link, and an upload arrives through ipywidgets' ``FileUpload``.
"""

from __future__ import annotations

import base64
from html import escape

import ipywidgets as w

__all__ = ["download_link", "json_upload"]


def download_link(data: bytes, mime: str, filename: str, label: str) -> str:
    """A link that saves ``data`` as ``filename``, with its size in the label."""
    uri = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return (
        f'<p><a class="sb-download" href="{uri}" download="{escape(filename)}">'
        f"{escape(label)} ({len(data) / 1024:.0f} KB)</a></p>"
    )


def json_upload(description: str, tooltip: str, multiple: bool = False) -> w.FileUpload:
    """A button that takes the course's own JSON files (journals, share files)."""
    return w.FileUpload(
        accept=".json,application/json",
        multiple=multiple,
        description=description,
        icon="",
        tooltip=tooltip,
        layout=w.Layout(width="auto"),
    )
