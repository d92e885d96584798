"""A page's kernel keeps its tracebacks for the server's log.

Anyone who opens a learner's page can send its kernel comm messages of their own over the
page's websocket (Voilà lets comm_open, comm_msg and comm_close through). Left alone, a
malformed one comes back to them as a traceback that shows the server's installation paths:

- the comm managers (``comm.base_comm`` and ``ipykernel.comm.manager``) log "Exception opening
  comm with target …" or "Exception in comm_msg …" with the traceback, and "No such comm …",
  on loggers with no handler; Python's last-resort handler writes them to ``sys.stderr``,
  which in a kernel is ipykernel's ``OutStream``: an iopub ``stream`` message to every client;
- ipywidgets shows the exception of a widget message, or of a callback it runs, with
  ``InteractiveShell.showtraceback``: an iopub ``error`` message with the whole traceback.

:func:`guard_kernel` sends both to the kernel's own log, which is the server's log, and
drops comm messages that are not even well formed. The page hears nothing more than the
protocol's own refusal: a ``comm_close`` for a comm the kernel will not open.

It also stops the kernel writing the page's cells to IPython's history database. Voilà means
to run a page's cells with ``store_history=False``, but passes it where nbclient takes the
execution count, so every cell of every page was written there: a database commit for each
cell, by every learner's kernel, into one file. A page's cells are the course's own code,
never the learner's, so nothing is lost.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["guard_kernel"]

log = logging.getLogger("widgets.server.kernel")
_COMM_MESSAGES = ("comm_open", "comm_msg", "comm_close")


def guard_kernel() -> None:
    """Keep this kernel's tracebacks in the server's log, and its cells out of IPython's
    history (nothing outside a kernel; once)."""
    from IPython import get_ipython

    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None or getattr(kernel, "_secure_base_guarded", False):
        return
    _log_to_server(kernel.log)
    for name in _COMM_MESSAGES:
        handler = kernel.shell_handlers.get(name)
        if handler is not None:
            kernel.shell_handlers[name] = _guarded(name, handler, shell)
    history = getattr(shell, "history_manager", None)
    if history is not None:
        history.enabled = False
    kernel._secure_base_guarded = True


def _log_to_server(kernel_log: logging.Logger) -> None:
    """Every logger writes where the kernel's own log does: the server's stderr, not the page."""
    root = logging.getLogger()
    for handler in list(root.handlers):  # e.g. a basicConfig() made after the streams moved
        stream = getattr(handler, "stream", None)
        if stream is not None and stream in (sys.stdout, sys.stderr):
            root.removeHandler(handler)
    for handler in kernel_log.handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    if not root.handlers:  # never Python's last resort, which writes to sys.stderr
        root.addHandler(logging.NullHandler())
    logging.captureWarnings(True)  # warnings too: they name the file that warned


def _log_traceback(exc_tuple: Any = None, *_args: Any, **_kwargs: Any) -> None:
    """In place of ``InteractiveShell.showtraceback`` while a comm message is handled."""
    info = exc_tuple or sys.exc_info()
    log.error("A widget message from a page failed", exc_info=info if info[0] else None)


def _well_formed(name: str, content: Any) -> bool:
    return (
        isinstance(content, dict)
        and isinstance(content.get("comm_id"), str)
        and (name != "comm_open" or isinstance(content.get("target_name"), str))
        and isinstance(content.get("data", {}), dict)
    )


def _guarded(name: str, handler: Callable[..., Any], shell: Any) -> Callable[..., Any]:
    def handle(stream: Any, idents: Any, msg: dict[str, Any]) -> Any:
        if not _well_formed(name, msg.get("content")):
            log.warning("Refused a malformed %s message from a page", name)
            return None
        shell.showtraceback = _log_traceback  # shadows the method for this message only
        try:
            return handler(stream, idents, msg)
        finally:
            del shell.showtraceback

    return handle
