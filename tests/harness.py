"""What the browser tests and the benchmarks share: how to run Chromium, ports, kernels, a
throwaway PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process, sig: int | None = None, timeout: float = 30) -> int:
    """Stop a server we started, by its process id: ask (SIGTERM unless told), then insist."""
    import signal
    import subprocess

    if process.poll() is None:
        process.send_signal(signal.SIGTERM if sig is None else sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    return process.returncode


def wait_for_http(url: str, process, what: str, timeout: float = 120, log=None) -> None:
    """Wait until ``url`` answers; fail saying so if ``process`` ends or time runs out first."""
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 - a server of our own
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = f":\n{log.read_text()[-3000:]}" if log is not None else ""
                raise RuntimeError(f"{what} did not start{tail}") from None
            time.sleep(0.5)


def kernel_processes(server_pid: int) -> list[psutil.Process]:
    """The live kernel processes started by the server with this process id."""
    found = []
    for child in psutil.Process(server_pid).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue  # a kernel that ended while we looked
    return found


class WorkshopServer:
    """``secure-base workshop`` in a process of its own, stopped by its process id."""

    def __init__(self, command: list[str], database: str, *extra: str, timeout: float = 120):
        import os
        import re
        import subprocess
        import threading
        import time

        self.database = database
        self.port, self.trainer_port = free_port(), free_port()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [
                *command,
                "workshop",
                f"--db={database}",
                f"--port={self.port}",
                f"--trainer-port={self.trainer_port}",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            self.output.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(self.output)
        found = {
            "code": re.search(r"^    ([A-Z0-9]{3}-[A-Z0-9]{3})$", text, re.M),
            "learner": re.search(r"^    (http://\S+/00_welcome\.ipynb\?token=\S+)$", text, re.M),
            "trainer": re.search(r"^    (http://\S+/dashboard\.ipynb\?token=\S+)$", text, re.M),
        }
        if not all(found.values()):
            self.stop()
            raise RuntimeError("the workshop did not start:\n" + "".join(self.output))
        self.code = found["code"].group(1)
        self.learner_url = found["learner"].group(1)
        self.trainer_url = found["trainer"].group(1)
        self.learner_token = self.learner_url.partition("token=")[2]
        self.trainer_token = self.trainer_url.partition("token=")[2]
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def learner_page(self, file: str) -> str:
        return self.learner_url.replace("00_welcome.ipynb", file)

    def servers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def stop(self, timeout: float = 40) -> int:
        import signal

        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        code = stop(self.process, signal.SIGINT, timeout)
        for child in children:  # servers left behind by a workshop that had to be killed
            if child.is_running():
                child.kill()
        return code


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (Debian keeps them off PATH), if installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


@contextlib.contextmanager
def postgres_server(
    folder: Path, max_connections: int | None = None
) -> Iterator[tuple[str, psutil.Process]]:
    """A throwaway PostgreSQL server on 127.0.0.1: its URL and process, stopped by its process
    id and its folder removed at the end."""
    import signal

    import psycopg  # the driver the URL names

    # Not under pytest's own temporary folder: its parents are closed to other users.
    root = Path(tempfile.mkdtemp(prefix="secure-base-postgres-"))
    as_user: dict[str, str] = {}
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own user
        shutil.chown(root, "postgres")
        as_user = {"user": "postgres", "group": "postgres"}
    data, port = root / "data", free_port()
    subprocess.run(
        [str(folder / "initdb"), "-D", str(data), "-A", "trust", "-U", "secure"],
        check=True,
        capture_output=True,
        cwd=root,
        **as_user,
    )
    settings = ["-c", "listen_addresses=127.0.0.1"]
    if max_connections is not None:
        settings += ["-c", f"max_connections={max_connections}"]
    server = subprocess.Popen(
        [str(folder / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root), *settings],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=root,
        **as_user,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(f"host=127.0.0.1 port={port} user=secure dbname=postgres").close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("PostgreSQL did not start") from None
                time.sleep(0.2)
        yield f"postgresql+psycopg://secure@127.0.0.1:{port}/postgres", psutil.Process(server.pid)
    finally:
        stop(server, signal.SIGINT)  # PostgreSQL's "fast" shutdown
        shutil.rmtree(root, ignore_errors=True)
