"""A button that takes files (journals, share files), with the size checked before they are sent.

ipywidgets' ``FileUpload`` sends every chosen file to the kernel whatever its size; a file over
the server's message limit (10 MiB) then closes the page's connection, and the course's own size
check never runs. :class:`FileButton` checks each file's size in the browser and sends only those
within the limit, as binary buffers in one message; it says in the browser, at once, which files
were too large and what the limit is. Python checks everything again when the message arrives
(a browser can send anything), then hands the files to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from .browser_widget import BrowserWidget
from .jsonfile import size_text
from .scripts import script

__all__ = ["MAX_NAME_CHARS", "FileButton", "Uploaded"]

#: A file that reached Python, in the shape ipywidgets' FileUpload gives: its name and bytes.
Uploaded = dict[str, Any]

MAX_NAME_CHARS = 120


class FileButton(BrowserWidget):
    """A labelled button that opens the file chooser and sends the chosen files to Python."""

    _esm = script("controls/upload.js")
    description = traitlets.Unicode("Choose a file").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)
    accept = traitlets.Unicode(".json,application/json").tag(sync=True)
    multiple = traitlets.Bool(False).tag(sync=True)
    max_bytes = traitlets.Int(1024 * 1024).tag(sync=True)
    max_files = traitlets.Int(1).tag(sync=True)
    #: What the browser says after a file's name when it is over the limit.
    too_large = traitlets.Unicode("").tag(sync=True)
    too_many = traitlets.Unicode("").tag(sync=True)
    unreadable = traitlets.Unicode("Your browser could not read that file. Nothing was sent.").tag(
        sync=True
    )

    def __init__(
        self,
        description: str,
        *,
        what: str,
        max_bytes: int,
        on_files: Callable[[list[Uploaded], list[str]], object],
        tooltip: str = "",
        multiple: bool = False,
        max_files: int = 1,
        **kwargs: Any,
    ):
        super().__init__(
            description=description,
            tooltip=tooltip,
            multiple=multiple,
            max_bytes=max_bytes,
            max_files=max_files if multiple else 1,
            too_large=f"it is larger than {size_text(max_bytes)}, too large to be {what}. "
            "It was not sent.",
            too_many=f"Choose at most {max_files} files at a time; the first {max_files} "
            "were sent.",
            **kwargs,
        )
        self._on_files = on_files
        self.on_msg(self._message)

    def _message(self, _widget: object, content: object, buffers: list[bytes] | None) -> None:
        """Files from the browser: checked again here, whatever the browser claims."""
        if not isinstance(content, dict) or content.get("kind") != "files":
            return
        described = content.get("files")
        buffers = list(buffers or [])
        if not isinstance(described, list) or len(described) != len(buffers):
            return
        refused = [_name(n) for n in content.get("refused", []) if isinstance(n, str)][:100]
        files: list[Uploaded] = []
        for info, data in zip(described, buffers, strict=True):
            name = _name(info.get("name") if isinstance(info, dict) else None)
            data = bytes(data)
            if len(data) > self.max_bytes:
                refused.append(name)
                continue
            files.append({"name": name, "content": data})
        self._on_files(files[: self.max_files], refused)

    def receive(self, files: list[tuple[str, bytes]]) -> None:
        """What the browser sends when files are chosen (for tests and scripted use)."""
        self._message(
            self,
            {"kind": "files", "files": [{"name": n, "size": len(d)} for n, d in files]},
            [d for _n, d in files],
        )


def _name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        return "a file"
    return "".join(ch if ch.isprintable() else "?" for ch in name.strip())[:MAX_NAME_CHARS]
