"""The ``secure-base`` command: the course, workshops, the trainer's kit and the journal.

The one place every layer comes together; each subcommand hands over to the package that does
the work.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from .content import load_course, load_scenarios
from .journal import JOURNAL_ENV, FileStore, JournalError, default_journal_path
from .kit import build_kit
from .reports.export import ExportChoice, export_filename, export_html
from .server import CULL_IDLE_SECONDS, binder_links, course_dir, helm_config, hub_config
from .server.course import DEFAULT_PORT, any_free_port, port_is_free, serve
from .server.helm import check_ref, check_repo, split_image
from .workshop.cohort import DEFAULT_MIN_ANSWERS, MIN_ANSWERS_FLOOR, STORE_PROBLEMS, CohortError
from .workshop.servers import run as run_workshop


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, what: str
) -> argparse.ArgumentParser:
    """A subcommand whose --help starts with the one line that says what it does."""
    return commands.add_parser(name, help=what, description=what[0].upper() + what[1:] + ".")


def _checked(check: Callable[[str], object]) -> Callable[[str], str]:
    """An argparse type: the value if ``check`` accepts it, else the one line saying why not."""

    def value(text: str) -> str:
        try:
            check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    return value


def _group(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("the trainers' group needs a name")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secure-base",
        description="Team as a Secure Base: a reflective course for practice supervisors.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = _command(commands, "serve", "start the course and open it in your browser")
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
        "learner's own browser (when you serve the course to others); default: file",
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
    shop = _command(
        commands,
        "workshop",
        "run the course for a room of learners, with a dashboard for you, the trainer",
    )
    group = shop.add_mutually_exclusive_group()
    group.add_argument(
        "--cohort",
        metavar="NAME",
        help="start a new cohort with this name (default: a new cohort named after today's date)",
    )
    group.add_argument("--code", help="carry on with an existing cohort, by its code")
    shop.add_argument(
        "--host",
        default="127.0.0.1",
        help="address learners reach (default 127.0.0.1, this computer only; 0.0.0.0 for "
        "every network this computer is on)",
    )
    shop.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port for learners (default {DEFAULT_PORT})"
    )
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
        default=DEFAULT_MIN_ANSWERS,
        help=f"answers a cell needs before the dashboard shows it (default "
        f"{DEFAULT_MIN_ANSWERS}, at least {MIN_ANSWERS_FLOOR})",
    )
    shop.add_argument(
        "--cull-after",
        type=int,
        default=CULL_IDLE_SECONDS,
        metavar="SECONDS",
        help=f"stop the kernel of a closed page after this many idle seconds "
        f"(default {CULL_IDLE_SECONDS})",
    )
    kit = _command(
        commands, "kit", "write the facilitator's kit: slides, session plan and prompt cards"
    )
    kit.add_argument(
        "folder", type=Path, help="the folder to write the kit into (made if it is not there)"
    )
    static = _command(
        commands,
        "build-static",
        "write the course as a static website, with Python running in each learner's browser",
    )
    static.add_argument(
        "folder",
        type=Path,
        help="the folder to write the site into: a new or empty one, or an earlier site, which "
        "is cleared first",
    )
    static.add_argument(
        "--pyodide",
        type=Path,
        metavar="PATH",
        help="npm's pyodide package (its folder, or the .tgz from 'npm pack'); without it, the "
        "build takes Pyodide from its cache, or fetches it once with npm",
    )
    preview = _command(
        commands, "preview-static", "serve a static site on this computer, to try it out"
    )
    preview.add_argument("folder", type=Path, help="the site's folder (from build-static)")
    preview.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    exporter = _command(commands, "export", "save your journal as a web page")
    exporter.add_argument("output", type=Path, help="the HTML file to write")
    exporter.add_argument(
        "--journal", type=Path, help="journal file to read (default: yours, as `where` shows)"
    )
    exporter.add_argument(
        "--leave-out",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a domain to leave out (availability, sensitivity, acceptance, cooperation, "
        "belonging); may be given more than once (default: every domain is in)",
    )
    exporter.add_argument(
        "--no-profile",
        action="store_true",
        help="leave out your team's secure-base profile (default: it is in)",
    )
    exporter.add_argument(
        "--no-actions",
        action="store_true",
        help="leave out your action plan (default: it is in)",
    )
    exporter.add_argument(
        "--no-scenarios",
        action="store_true",
        help="leave out the scenarios (default: they are in)",
    )
    exporter.add_argument(
        "--no-cpd",
        action="store_true",
        help="leave out your CPD record (default: it is in)",
    )
    hub = _command(
        commands,
        "jupyterhub-config",
        "print a JupyterHub configuration that runs the course for all your staff",
    )
    hub.add_argument(
        "--helm",
        action="store_true",
        help="print a config.yaml for the Zero to JupyterHub Helm chart (Kubernetes) instead of "
        "a jupyterhub_config.py",
    )
    hub.add_argument(
        "--image",
        metavar="NAME:TAG",
        type=_checked(split_image),
        help="with --helm (and needed by it): the learners' image, built by repo2docker from "
        "binder/, such as registry.example.org/secure-base:2025-01",
    )
    hub.add_argument(
        "--trainers-group",
        metavar="GROUP",
        type=_group,
        help="the JupyterHub group whose members may open the trainers' dashboard "
        "(default: trainers)",
    )
    links = _command(
        commands, "binder-links", "print the README badges that open the course on mybinder.org"
    )
    links.add_argument(
        "repo",
        metavar="OWNER/REPO",
        type=_checked(check_repo),
        help="the course's repository on GitHub",
    )
    links.add_argument(
        "--ref",
        default="HEAD",
        type=_checked(check_ref),
        help="the branch, tag or commit to open (default: HEAD)",
    )
    _command(commands, "where", "show where your journal and the course are kept")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
        return jupyterhub_config(parser, args)
    if args.command == "binder-links":
        print(binder_links(args.repo, args.ref), end="")
        return 0
    if args.command == "kit":
        written = build_kit(args.folder, load_course())
        print("The facilitator's kit is ready:\n")
        for path in written:
            print(f"    {path}")
        print(
            "\nOpen slides.html in a web browser (press S for the speaker view with your notes); "
            "print prompt-cards.html on A4 and cut along the dashed lines."
        )
        return 0
    if args.command == "build-static":
        return build_static(parser, args)
    if args.command == "preview-static":
        if not (args.folder / "site.json").is_file():
            parser.exit(1, f"secure-base: {args.folder} is not a site from build-static.\n")
        if not 0 < args.port < 65536 or not port_is_free(args.port):
            parser.exit(
                1, f"secure-base: port {args.port} is not free; choose another with --port.\n"
            )
        from .site.preview import serve_site

        serve_site(args.folder, args.port)
        return 0
    if args.command == "workshop":
        return workshop(parser, args)
    print(f"journal: {default_journal_path()}\ncourse:  {course_dir()}")
    return 0


def jupyterhub_config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.helm:
        if args.image is not None:
            parser.error("--image goes with --helm")
        print(hub_config(args.trainers_group or "trainers"), end="")
        return 0
    if args.image is None:
        parser.error("--helm needs --image NAME:TAG: the learners' image, built from binder/")
    print(helm_config(args.image, args.trainers_group or "trainers"), end="")
    return 0


def workshop(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
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
        return run_workshop(args)
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
    """Write the journal as a web page. Only reads the journal: a damaged one is reported and
    left exactly as it is, never set aside or restored (that is for the course to do, with the
    learner watching), and every problem with the output is one plain line, never a traceback."""
    course = load_course()
    keys = {d.key for d in course.domains}
    unknown = sorted(set(args.leave_out) - keys)
    if unknown:
        parser.error(f"no domain {', '.join(unknown)}; choose from {', '.join(sorted(keys))}")
    choice = ExportChoice(
        frozenset(keys - set(args.leave_out)),
        scenarios=not args.no_scenarios,
        profile=not args.no_profile,
        actions=not args.no_actions,
        cpd=not args.no_cpd,
    )
    if not choice.anything:
        parser.error("everything is left out, so there would be nothing to save")
    path = args.journal.expanduser() if args.journal else default_journal_path()
    store = FileStore(path)
    out = args.output.expanduser()
    for kept in (store.path, store.backup_path, store.lock_path):
        with contextlib.suppress(OSError, RuntimeError):
            if out.resolve() == kept.resolve() or (out.exists() and out.samefile(kept)):
                parser.exit(
                    1,
                    f"secure-base: {out} is where your journal is kept; choose another name for "
                    "the web page. Nothing was saved, and your journal was left as it was.\n",
                )
    try:
        if not path.is_file():
            parser.exit(1, f"secure-base: there is no journal at {path}\n")
        journal = store.read()
    except JournalError as exc:
        backup = (
            f" Its previous saved copy, {store.backup_path.name}, is beside it."
            if store.backup_path.is_file()
            else ""
        )
        parser.exit(
            1,
            f"secure-base: your journal at {path} could not be read: {exc} Nothing was "
            f"exported, and the journal was left exactly as it was.{backup}\n",
        )
    except TimeoutError:
        parser.exit(
            1,
            f"secure-base: your journal at {path} is being saved by a page of the course that "
            "has not finished; try again in a moment. Nothing was exported.\n",
        )
    except OSError as exc:
        parser.exit(
            1,
            f"secure-base: your journal at {path} could not be read "
            f"({exc.strerror or exc}). Nothing was exported, and the journal was left as it "
            "was.\n",
        )
    data = export_html(journal, course, load_scenarios(), choice).encode("utf-8")

    def refuse(why: str | OSError) -> NoReturn:
        if isinstance(why, OSError):
            if isinstance(why, PermissionError):
                why = "you do not have permission to write there"
            elif why.errno == errno.EROFS:
                why = "that place is read-only"
            elif why.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
                why = "there is not enough space left there"
            else:
                why = why.strerror or str(why)
        parser.exit(1, f"secure-base: the web page could not be saved as {out}: {why}.\n")

    try:
        if out.is_dir():
            refuse(f"that is a folder; give a file name, such as {out / export_filename()}")
        if not out.parent.exists():
            refuse(f"there is no folder {out.parent}")
        if not out.parent.is_dir():
            refuse(f"{out.parent} is a file, not a folder")
        handle = out.open("wb")
    except OSError as exc:
        refuse(exc)
    try:
        with handle:
            handle.write(data)
    except OSError as exc:
        # Never leave half a page behind.
        with contextlib.suppress(OSError):
            out.unlink()
        refuse(exc)
    print(f"Your journal was saved as {out} ({len(data) / 1024:.0f} KB).")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def build_static(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .site.build import BuildError, build_site

    try:
        built = build_site(args.folder, pyodide=args.pyodide)
    except BuildError as problem:
        parser.exit(1, f"secure-base: {problem}\n")
    except OSError as problem:
        parser.exit(1, f"secure-base: the site could not be written: {problem.strerror}.\n")
    print(
        f"The course's static site is ready in {built.folder} "
        f"({built.total_bytes / 1e6:.0f} MB, {len(built.pages)} pages).\n\n"
        "Put the whole folder on any web server that serves files (an intranet site, "
        "SharePoint, GitHub Pages) and open its address. To try it on this computer first:\n\n"
        f"    secure-base preview-static {built.folder}\n\n"
        "Opened straight from the disk (file://), browsers do not let the course start."
    )
    return 0
