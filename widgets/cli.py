"""The ``secure-base`` command: start the course in Voilà on this computer."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import webbrowser
from pathlib import Path
from typing import Any

from .journal import JOURNAL_ENV, STORE_ENV, default_journal_path

WELCOME = "00_welcome.ipynb"
DEFAULT_PORT = 8866
#: A kernel nobody is connected to is stopped after this many seconds without activity.
CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60


def course_dir() -> Path:
    """The course notebooks: inside the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_course", here.parent / "course"):
        if (candidate / WELCOME).is_file():
            return candidate
    raise SystemExit("The course notebooks could not be found; please reinstall the course.")


def trainer_dir() -> Path:
    """The trainer's notebooks (the workshop dashboard and the session plan)."""
    return Path(__file__).resolve().parent / "trainer"


def settings_argv(settings: dict[str, dict[str, object]]) -> list[str]:
    """Configuration as command-line options: ``--Class.trait=value``."""
    return [
        f"--{cls}.{name}={value}"
        for cls, traits in settings.items()
        for name, value in traits.items()
    ]


def server_settings(cull_after: int = CULL_IDLE_SECONDS) -> dict[str, dict[str, object]]:
    """What a Jupyter server needs to serve the course with Voilà, as configuration."""
    return {
        # The course's own page template; learners see the course, never code or tracebacks.
        "VoilaConfiguration": {
            "template": "secure-base",
            "strip_sources": True,
            "show_tracebacks": False,
        },
        # A room opening the course at once can keep a kernel's output waiting past 4 s.
        "VoilaExecutor": {"iopub_timeout": 60},
        # Stop the kernels of pages that have gone, never an open one.
        "MappingKernelManager": {
            "cull_idle_timeout": cull_after,
            "cull_interval": max(1, min(CULL_INTERVAL_SECONDS, cull_after // 2)),
            "cull_connected": False,
        },
    }


def hub_config() -> str:
    """A JupyterHub configuration for running the course for all of an organisation's staff."""
    lines = ",\n    ".join(repr(a) for a in settings_argv(server_settings()))
    return f"""# JupyterHub: Team as a Secure Base for every member of staff.
# Written by `secure-base jupyterhub-config`; add your organisation's authenticator and spawner.
c = get_config()  # noqa: F821 - provided by JupyterHub

# Everyone starts on the welcome module, in Voilà, with the course's settings.
c.Spawner.notebook_dir = {str(course_dir())!r}
c.Spawner.default_url = "/voila/render/{WELCOME}"
c.Spawner.args = [
    {lines},
]
# Each learner's journal is a file in their own home (~/.local/share/secure-base/journal.json),
# readable by them and by nobody else on the hub; `secure-base where` shows it.
c.Spawner.environment = {{"SECURE_BASE_STORE": "file"}}
"""


def voila_argv(
    port: int,
    *,
    token: bool = True,
    root: Path | None = None,
    cull_after: int = CULL_IDLE_SECONDS,
    host: str = "127.0.0.1",
) -> list[str]:
    """The Voilà settings a course needs, as command-line options of standalone Voilà."""
    return [
        str(root or course_dir()),
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--Voila.log_level=WARN",
        *settings_argv(server_settings(cull_after)),
        # Kernels talk over local sockets, not TCP ports that a burst of pages can exhaust.
        # (Standalone Voilà only: under Jupyter Server, as on Binder or JupyterHub, pages
        # served this way never finish, so those routes keep TCP.)
        "--KernelManager.transport=ipc",
        f"--Voila.auto_token={token}",
    ]


def use_course_template() -> None:
    """Let Jupyter find the course's Voilà template, wherever the package is installed."""
    data = str(Path(__file__).resolve().parent / "_jupyter")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if data not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([data, *paths])


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
        return probe.getsockname()[1]


def course_server(announce: Any = None, token: str | None = None) -> type:
    """Voilà as the course runs it: the welcome module first, Ctrl-C stopping it cleanly."""
    from voila.app import Voila

    class CourseServer(Voila):
        def initialize(self, argv: list[str] | None = None) -> None:
            super().initialize(argv)
            if token is not None:
                self.token = token
            # Ctrl-C stops the server as SIGTERM does: the event loop ends, then every kernel
            # is shut down, rather than a KeyboardInterrupt landing wherever the code is.
            signal.signal(signal.SIGINT, self._handle_signal_stop)

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="secure-base",
        description="Team as a Secure Base: a reflective course for practice supervisors.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("serve", help="start the course and open it in your browser")
    run.add_argument(
        "--port",
        type=int,
        help=f"port to listen on (default {DEFAULT_PORT}, or a free one if that is taken)",
    )
    run.add_argument(
        "--no-browser", action="store_true", help="print the course's address, do not open it"
    )
    run.add_argument(
        "--journal",
        type=Path,
        help=f"journal file to use (default: ${JOURNAL_ENV}, else your user data folder)",
    )
    run.add_argument(
        "--store",
        choices=("file", "browser"),
        default="file",
        help="where journals are kept: a file on this computer (for your own use), or each "
        "learner's own browser (when you serve the course to others)",
    )
    run.add_argument(
        "--no-token",
        action="store_true",
        help="serve without an access token (only on a computer nobody else uses)",
    )
    run.add_argument(
        "--cull-after",
        type=int,
        default=CULL_IDLE_SECONDS,
        metavar="SECONDS",
        help="stop the kernel of a closed page after this many idle seconds "
        f"(default {CULL_IDLE_SECONDS}; an open page is never stopped)",
    )
    shop = commands.add_parser(
        "workshop",
        help="run the course for a room of learners, with a dashboard for you, the trainer",
    )
    group = shop.add_mutually_exclusive_group()
    group.add_argument("--cohort", metavar="NAME", help="start a new cohort with this name")
    group.add_argument("--code", help="carry on with an existing cohort, by its code")
    shop.add_argument(
        "--host",
        default="127.0.0.1",
        help="address learners reach (default 127.0.0.1, this computer only; 0.0.0.0 for "
        "every network this computer is on)",
    )
    shop.add_argument("--port", type=int, default=DEFAULT_PORT, help="port for learners")
    shop.add_argument(
        "--trainer-host", default="127.0.0.1", help="address of the dashboard (default 127.0.0.1)"
    )
    shop.add_argument(
        "--trainer-port", type=int, help="port of the dashboard (default: the learners' port + 1)"
    )
    shop.add_argument(
        "--db",
        metavar="FILE_OR_URL",
        help="cohort store: an SQLite file, or a database URL such as "
        "postgresql+psycopg://user@host/dbname (default: cohorts.sqlite in your data folder)",
    )
    shop.add_argument(
        "--min-answers",
        type=int,
        default=5,
        help="answers a cell needs before the dashboard shows it (default 5, at least 3)",
    )
    shop.add_argument(
        "--cull-after",
        type=int,
        default=CULL_IDLE_SECONDS,
        metavar="SECONDS",
        help=f"stop the kernel of a closed page after this many idle seconds "
        f"(default {CULL_IDLE_SECONDS})",
    )
    kit = commands.add_parser(
        "kit", help="write the facilitator's kit: slides, session plan and prompt cards"
    )
    kit.add_argument("folder", type=Path, help="the folder to write the kit into")
    inner = commands.add_parser("_server")
    inner.add_argument("role")
    inner.add_argument("host")
    inner.add_argument("port", type=int)
    inner.add_argument("cull_after", type=int)
    exporter = commands.add_parser("export", help="save your journal as a web page")
    exporter.add_argument("output", type=Path, help="the HTML file to write")
    exporter.add_argument("--journal", type=Path, help="journal file to read (default: yours)")
    exporter.add_argument(
        "--leave-out",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a domain to leave out (availability, sensitivity, acceptance, cooperation, "
        "belonging); may be given more than once",
    )
    exporter.add_argument("--no-scenarios", action="store_true", help="leave out the scenarios")
    commands.add_parser(
        "jupyterhub-config",
        help="print a JupyterHub configuration that runs the course for all your staff",
    )
    where = commands.add_parser("where", help="show where your journal and the course are kept")
    where.set_defaults(command="where")
    args = parser.parse_args(argv)
    if args.command == "serve":
        if args.port is None:
            port = DEFAULT_PORT if port_is_free(DEFAULT_PORT) else any_free_port()
        elif not 0 < args.port < 65536:
            parser.error("--port must be between 1 and 65535")
        elif not port_is_free(args.port):
            parser.exit(
                1,
                f"secure-base: port {args.port} is already in use (is the course already "
                "running?). Choose another with --port, or leave --port out.\n",
            )
        else:
            port = args.port
        if args.cull_after < 1:
            parser.error("--cull-after must be at least 1 second")
        return serve(
            port,
            not args.no_browser,
            args.journal,
            token=not args.no_token,
            cull_after=args.cull_after,
            store=args.store,
        )
    if args.command == "export":
        return export_journal(parser, args)
    if args.command == "jupyterhub-config":
        print(hub_config(), end="")
        return 0
    if args.command == "kit":
        from .content import load_course
        from .kit import build_kit

        written = build_kit(args.folder, load_course())
        print("The facilitator's kit is ready:\n")
        for path in written:
            print(f"    {path}")
        print(
            "\nOpen slides.html in a web browser (press S for the speaker view with your notes); "
            "print prompt-cards.html on A4 and cut along the dashed lines."
        )
        return 0
    if args.command == "workshop":
        return workshop(parser, args)
    if args.command == "_server":
        from .workshop import serve_role

        return serve_role(args.role, args.host, args.port, args.cull_after)
    print(f"journal: {default_journal_path()}\ncourse:  {course_dir()}")
    return 0


def workshop(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .cohort import MIN_ANSWERS_FLOOR, STORE_PROBLEMS, CohortError
    from .workshop import run

    if args.trainer_port is None:
        args.trainer_port = args.port + 1
    for name in ("port", "trainer_port"):
        value = getattr(args, name)
        if not 0 < value < 65536:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 65535")
    if args.port == args.trainer_port:
        parser.error("learners and the trainer need different ports")
    if args.min_answers < MIN_ANSWERS_FLOOR:
        parser.error(
            f"--min-answers must be at least {MIN_ANSWERS_FLOOR}, so that nobody's answer can "
            "be picked out"
        )
    if args.cull_after < 1:
        parser.error("--cull-after must be at least 1 second")
    for host, port in ((args.host, args.port), (args.trainer_host, args.trainer_port)):
        if host in ("127.0.0.1", "localhost") and not port_is_free(port):
            parser.exit(1, f"secure-base: port {port} is already in use. Choose another.\n")
    try:
        return run(args)
    except CohortError as exc:
        parser.exit(1, f"secure-base: {exc}\n")
    except ImportError as exc:
        parser.exit(
            1,
            f"secure-base: the driver for that database is not installed ({exc}). For "
            "PostgreSQL: pip install 'team-secure-base[postgres]'.\n",
        )
    except STORE_PROBLEMS as exc:
        parser.exit(1, f"secure-base: the cohort store could not be opened ({exc}).\n")
    except RuntimeError as exc:
        parser.exit(1, f"secure-base: the workshop could not start: {exc}.\n")


def export_journal(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .content import load_course
    from .export import ExportChoice, export_html
    from .journal import FileStore
    from .scenarios import load_scenarios

    course = load_course()
    keys = {d.key for d in course.domains}
    unknown = sorted(set(args.leave_out) - keys)
    if unknown:
        parser.error(f"no domain {', '.join(unknown)}; choose from {', '.join(sorted(keys))}")
    path = args.journal.expanduser() if args.journal else default_journal_path()
    if not path.is_file():
        parser.exit(1, f"secure-base: there is no journal at {path}\n")
    journal, warning = FileStore(path).load()
    if warning:
        print(warning, file=sys.stderr)
    choice = ExportChoice(frozenset(keys - set(args.leave_out)), not args.no_scenarios)
    html = export_html(journal, course, load_scenarios(), choice)
    args.output.write_text(html, encoding="utf-8")
    print(f"Your journal was saved as {args.output} ({len(html.encode()) / 1024:.0f} KB).")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
