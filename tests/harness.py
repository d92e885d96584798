"""What the browser tests and the benchmark share: how to run Chromium, ports, kernels."""

from __future__ import annotations

import socket

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
        import subprocess

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                for child in psutil.Process(self.process.pid).children(recursive=True):
                    child.kill()
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode
