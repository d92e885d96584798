"""``secure-base serve``: standalone Voilà on this computer, the welcome module first."""

from __future__ import annotations

import os
import signal
import socket
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..journal import JOURNAL_ENV, STORE_ENV, default_journal_path
from .settings import CULL_IDLE_SECONDS, WELCOME, use_course_template, voila_argv

__all__ = ["DEFAULT_PORT", "any_free_port", "course_server", "port_is_free", "serve"]

DEFAULT_PORT = 8866


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the server itself binds: a port left in TIME_WAIT by a stopped course is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def any_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def course_server(
    announce: Callable[[Any], None] | None = None, token: str | None = None
) -> type[Any]:
    """Voilà as the course runs it: the welcome module first, Ctrl-C stopping it cleanly."""
    from voila.app import Voila

    from .cells import run_cells_together
    from .errors import course_handlers, course_settings
    from .scripts import scripts_rule, tell_kernels
    from .templates import keep_compiled_templates

    class CourseServer(Voila):  # Voilà ships no type information: a subclass of Any
        def initialize(self, argv: list[str] | None = None) -> None:
            super().initialize(argv)
            # Each page's templates compiled once per server, not once per page: templates.py.
            keep_compiled_templates()
            # A page's code cells sent to its kernel in one request, not one each: cells.py.
            run_cells_together()
            if token is not None:
                self.token = token
            # Ctrl-C stops the server as SIGTERM does: the event loop ends, then every kernel
            # is shut down, rather than a KeyboardInterrupt landing wherever the code is.
            # (On Windows, the workshop stops its servers with Ctrl-Break: SIGBREAK.)
            signal.signal(signal.SIGINT, self._handle_signal_stop)
            if hasattr(signal, "SIGBREAK"):
                signal.signal(signal.SIGBREAK, self._handle_signal_stop)

        def init_settings(self) -> dict[str, Any]:
            # An address no handler serves gets the course's 404 page, not tornado's bare line.
            return course_settings(super().init_settings())

        def init_handlers(self) -> list[Any]:
            # Odd addresses are refused (400/404) and every error is drawn by the course's
            # template, never a 500 with a traceback in the log: see errors.py. The
            # components' scripts are served as files, each fetched once: see scripts.py.
            tell_kernels(self.base_url)
            return [
                scripts_rule(self.server_url or self.base_url),
                *course_handlers(super().init_handlers()),
            ]

        def launch_browser(self) -> None:
            if announce is not None:
                announce(self)

    return CourseServer


def serve(
    port: int,
    open_browser: bool,
    journal: Path | None,
    token: bool = True,
    cull_after: int = CULL_IDLE_SECONDS,
    store: str = "file",
) -> int:
    use_course_template()
    path = journal.expanduser().resolve() if journal else default_journal_path()
    # Kernels inherit this environment, so every page writes to the same journal.
    os.environ[JOURNAL_ENV] = str(path)
    os.environ[STORE_ENV] = store
    where = (
        "in each learner's own web browser (this server keeps none)"
        if store == "browser"
        else str(path)
    )

    def announce(server: Any) -> None:
        url = f"{server.connection_url}voila/render/{WELCOME}"
        provider = getattr(server, "identity_provider", None)
        if provider is not None and provider.token:
            url += f"?token={provider.token}"
        kept = (
            f"Journals are kept {where}."
            if store == "browser"
            else f"Your journal is kept in {where}"
        )
        print(
            f"The course is running at:\n\n    {url}\n\n{kept}\nPress Ctrl-C to stop the course.",
            flush=True,
        )
        if open_browser:
            webbrowser.open(url)

    try:
        course_server(announce).launch_instance(
            argv=voila_argv(port, token=token, cull_after=cull_after)
        )
    except KeyboardInterrupt:
        pass
    print("The course has stopped. Your journal is saved.", flush=True)
    return 0
