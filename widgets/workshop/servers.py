"""``secure-base workshop``: the course for a room of learners, and a dashboard for the trainer.

Two standalone Voilà servers (never Voilà as a Jupyter server extension, which would run code a
browser sends), started and stopped together:

- the **learner server** serves the course on the host and port the trainer chooses, behind a
  learner token; journals stay in each learner's own browser, and the only thing that reaches
  the cohort store is what a learner chooses to share;
- the **trainer server** serves only the dashboard, behind a different token, on this computer
  alone unless the trainer says otherwise.

Each server holds its token in memory (not on its command line, where other users of the
computer could read it, and not in its kernels' environment). The cohort store outlives both.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content import load_course
from ..journal import STORE_ENV
from ..server import course_dir, trainer_dir, use_course_template, voila_argv
from ..server.course import course_server
from .cohort import (
    COHORT_ENV,
    DB_ENV,
    MIN_ANSWERS_ENV,
    ROLE_ENV,
    Cohort,
    CohortError,
    CohortStore,
)

TOKEN_ENV = "SECURE_BASE_SERVER_TOKEN"  # noqa: S105 - the name of a variable
DASHBOARD = "dashboard.ipynb"
#: How long a server may take to start listening.
START_SECONDS = 90
#: How a server is asked to stop cleanly (shutting its kernels down). Windows has no SIGTERM
#: that a program can catch: there each server runs in its own process group, so that Ctrl-C
#: in the trainer's window reaches only this command, and is stopped with Ctrl-Break.
if sys.platform == "win32":
    STOP_SIGNAL: int = signal.CTRL_BREAK_EVENT
    NEW_GROUP = subprocess.CREATE_NEW_PROCESS_GROUP
else:
    STOP_SIGNAL = signal.SIGTERM
    NEW_GROUP = 0


def default_cohort_db() -> Path:
    from platformdirs import user_data_path

    return user_data_path("secure-base", appauthor=False) / "cohorts.sqlite"


def _link_host(host: str) -> str:
    return socket.gethostname() if host in ("", "0.0.0.0", "::") else host  # noqa: S104


@dataclass
class Workshop:
    cohort: Cohort
    database: str
    learner_url: str
    trainer_url: str
    processes: tuple[subprocess.Popen[bytes], ...]

    def stop(self, timeout: float = 20) -> None:
        """Stop both servers (each shuts its kernels down), by process id."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(STOP_SIGNAL)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes]) -> None:
    target = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"a server stopped as it started (exit code {process.returncode})")
        try:
            with socket.create_connection((target, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"a server did not start listening on port {port}")


def start_workshop(
    store: CohortStore,
    cohort: Cohort,
    *,
    host: str,
    port: int,
    trainer_host: str,
    trainer_port: int,
    min_answers: int,
    cull_after: int,
) -> Workshop:
    """Start the learner and trainer servers; return once both are listening."""
    learner_token, trainer_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    base = {
        **os.environ,
        DB_ENV: store.url,
        COHORT_ENV: cohort.code,
        MIN_ANSWERS_ENV: str(min_answers),
        STORE_ENV: "browser",
    }
    base.pop("JUPYTER_TOKEN", None)
    plans = [
        ("learner", host, port, learner_token),
        ("trainer", trainer_host, trainer_port, trainer_token),
    ]
    processes = []
    try:
        for role, where, at, token in plans:
            env = {**base, ROLE_ENV: role, TOKEN_ENV: token}
            command = [sys.executable, "-m", "widgets.workshop", role, where, str(at)]
            command.append(str(cull_after))
            processes.append(subprocess.Popen(command, env=env, creationflags=NEW_GROUP))
        for (_role, where, at, _token), process in zip(plans, processes, strict=True):
            _wait_for_port(where, at, process)
    except BaseException:
        Workshop(cohort, store.url, "", "", tuple(processes)).stop()
        raise
    return Workshop(
        cohort,
        store.url,
        f"http://{_link_host(host)}:{port}/voila/render/00_welcome.ipynb?token={learner_token}",
        f"http://{_link_host(trainer_host)}:{trainer_port}/voila/render/{DASHBOARD}"
        f"?token={trainer_token}",
        tuple(processes),
    )


def serve_role(role: str, host: str, port: int, cull_after: int) -> int:
    """One of the workshop's two servers (started by :func:`start_workshop`, not by hand)."""
    token = os.environ.pop(TOKEN_ENV, "")
    if role not in ("learner", "trainer") or len(token) < 16:
        raise SystemExit("This command is started by `secure-base workshop`.")
    use_course_template()
    root = course_dir() if role == "learner" else trainer_dir()
    try:
        course_server(token=token).launch_instance(
            argv=voila_argv(port, root=root, cull_after=cull_after, host=host)
        )
    except KeyboardInterrupt:
        pass
    return 0


def open_cohort(store: CohortStore, name: str | None, code: str | None) -> Cohort:
    if code:
        cohort = store.cohort(code)
        if cohort is None:
            raise CohortError(f"There is no cohort {code} in {store.url}.")
        return cohort
    return store.create_cohort(name or time.strftime("Workshop of %d %B %Y"))


def run(args: Any) -> int:
    """`secure-base workshop`: start, print the links, wait for Ctrl-C, stop cleanly."""
    course = load_course()
    store = CohortStore(args.db or default_cohort_db(), course)
    cohort = open_cohort(store, args.cohort, args.code)
    workshop = start_workshop(
        store,
        cohort,
        host=args.host,
        port=args.port,
        trainer_host=args.trainer_host,
        trainer_port=args.trainer_port,
        min_answers=args.min_answers,
        cull_after=args.cull_after,
    )
    stopping = []

    def stop(_signum: int, _frame: Any) -> None:
        stopping.append(True)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(
        f"The workshop “{cohort.title}” is running.\n\n"
        f"Cohort code (learners type it on the page “Share with your workshop”):\n\n"
        f"    {cohort.code}\n\n"
        f"Link for learners (share it with the room):\n\n    {workshop.learner_url}\n\n"
        f"Link for you, the trainer (keep it private: it opens the dashboard):\n\n"
        f"    {workshop.trainer_url}\n\n"
        f"A cell of the room's picture is shown once {args.min_answers} people have rated it.\n"
        f"Shared ratings are kept in {store.url}\n"
        "Press Ctrl-C to stop the workshop.",
        flush=True,
    )
    while not stopping and all(p.poll() is None for p in workshop.processes):
        time.sleep(0.3)
    workshop.stop()
    store.close()
    print(
        f"The workshop has stopped. What learners shared is kept in {store.url}; run the "
        f"workshop again with --code {cohort.code} to carry on with this cohort.",
        flush=True,
    )
    return 0 if stopping else 1


def main(argv: list[str]) -> int:
    """``python -m widgets.workshop ROLE HOST PORT CULL_AFTER``, as the workshop runs it."""
    try:
        role, host, port, cull_after = argv
        return serve_role(role, host, int(port), int(cull_after))
    except ValueError:
        raise SystemExit("This command is started by `secure-base workshop`.") from None
