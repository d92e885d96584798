"""The course's Python in the learner's own browser: what a kernel does for a Voilà page.

On the static site there is no server and no kernel. The page's script (``runtime.js``) starts
Python in the browser (Pyodide), calls :func:`start` with a function that hands messages to the
page, and then :func:`run_cell` for each of the notebook's code cells in turn. This module
stands in for the two parts of a kernel the course uses:

- **Display.** An IPython shell whose display publisher and display hook hand each output (a
  mime bundle) to the page, so that ``display(widget)`` and a cell's last value appear where the
  cell stands on the page, as they do in Voilà.
- **Comms.** ipywidgets opens a comm for each widget. Here a comm is Python's ``publish_msg``
  calling the page's function; the page's messages come back through :func:`receive`.

Nothing here uses the network, and the journal is the one kept in the browser (the browser store
mode). The module imports under ordinary Python too, which is how the tests check it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from typing import Any

import comm
from comm.base_comm import BaseComm
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

from ..controls.links import SITE_ENV
from ..journal.session import STORE_ENV

__all__ = ["receive", "run_cell", "start"]

log = logging.getLogger("widgets.site")

#: The page's end of every message: ``send(kind, json_text, buffers)``, where ``kind`` is
#: ``"display"`` (an output for the cell being run) or a comm message type.
Send = Callable[[str, str, list[bytes]], None]

_send: Send | None = None


def _post(kind: str, payload: dict[str, Any], buffers: list[bytes] | None = None) -> None:
    if _send is None:
        raise RuntimeError("The page has not started the course's Python yet.")
    _send(kind, json.dumps(payload, default=str, separators=(",", ":")), buffers or [])


class PageComm(BaseComm):
    """A comm whose other end is this page's widget manager."""

    def publish_msg(
        self,
        msg_type: str,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: list[Any] | None = None,
        **keys: Any,
    ) -> None:
        content = {"comm_id": self.comm_id, "data": data or {}, **keys}
        _post(
            msg_type,
            {"content": content, "metadata": metadata or {}},
            [bytes(b) for b in buffers or []],
        )


def _create_comm(*args: Any, **kwargs: Any) -> BaseComm:
    return PageComm(*args, **kwargs)


class PagePublisher(DisplayPublisher):
    """``display()``: the output goes to the page, in the place of the cell being run."""

    def publish(
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        _post("display", {"data": data, "metadata": metadata or {}})

    def clear_output(self, wait: bool = False) -> None:
        _post("clear", {"wait": wait})


class PageHook(DisplayHook):
    """A cell's last value: shown on the page like a displayed one, with no prompt."""

    def start_displayhook(self) -> None:
        pass

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(
        self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None
    ) -> None:
        _post("display", {"data": format_dict, "metadata": md_dict or {}})

    def finish_displayhook(self) -> None:
        pass


_shell: InteractiveShell | None = None


def start(send: Send) -> None:
    """Make this Python the page's kernel: its outputs and comms go to ``send``."""
    global _send, _shell
    _send = send
    os.environ[SITE_ENV] = "static"
    # The journal is kept in this browser, as in the browser store mode of a served course.
    os.environ[STORE_ENV] = "browser"
    # ipywidgets need not echo the page's own changes back to it: nothing else shares the page.
    os.environ["JUPYTER_WIDGETS_ECHO"] = "0"
    comm.create_comm = _create_comm
    if _shell is None:
        InteractiveShell.clear_instance()
        _shell = InteractiveShell.instance(
            display_pub_class=PagePublisher,
            displayhook_class=PageHook,
            history_length=0,
            colors="nocolor",
        )
        if _shell.history_manager is not None:
            _shell.history_manager.enabled = False


def run_cell(code: str) -> bool:
    """Run one code cell of the page; its outputs go to the page as it runs. True if it ran.

    A failure is logged (in the browser, that is its console), never shown as a traceback on
    the page: the page says in its own words that this part could not be shown.
    """
    if _shell is None:
        raise RuntimeError("The page has not started the course's Python yet.")
    result = _shell.run_cell(code, store_history=False, silent=False)
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        log.error("A part of the page could not be shown", exc_info=error)
        return False
    return True


def _as_bytes(buffer: Any) -> bytes:
    """A buffer from the page (in the browser, a proxy of an ``ArrayBuffer`` or a typed array)."""
    if hasattr(buffer, "to_bytes"):
        return bytes(buffer.to_bytes())
    return bytes(buffer)


def receive(comm_id: str, data_json: str, buffers: list[Any] | None = None) -> bool:
    """A message from one of the page's widgets. False, and nothing changes, if no comm has the
    id or the message is not a JSON object."""
    manager = comm.get_comm_manager()
    target = manager.comms.get(comm_id) if isinstance(comm_id, str) else None
    if target is None:
        log.warning("A message came for a widget this page does not have.")
        return False
    try:
        data = json.loads(data_json)
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        log.warning("A widget message from the page was not a JSON object.")
        return False
    message = {
        "content": {"comm_id": comm_id, "data": data},
        "metadata": {},
        "buffers": [_as_bytes(b) for b in buffers or []],
    }
    target.handle_msg(message)
    return True
