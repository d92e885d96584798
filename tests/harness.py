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
