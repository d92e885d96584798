"""Benchmark: time until each module is interactive in Voilà, and its kernel's memory.

Not part of the pass/fail suite. In one run it serves the course as ``secure-base serve``
does (its server and settings) and, beside it with the same settings, a bare notebook holding one
ipywidgets slider; it opens every page several times in headless Chromium and reports, per page,
the median time from navigation to interactive (every cell run, every widget on screen) and the
memory of the page's kernel (resident set size, and unique set size where the system gives it),
each also as a ratio to the bare notebook.

    python tests/bench/bench_modules.py [--repeats 5] [--json results.json]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import nbformat
import psutil
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.harness import CHROMIUM_ARGS, free_port, kernel_processes  # noqa: E402
from widgets.content import load_course, load_scenarios  # noqa: E402
from widgets.server import voila_argv  # noqa: E402


def compile_course() -> None:
    """Give the course's package its bytecode, as every installed package has.

    ``pip install .`` compiles a package as it installs it, and so every package a bare page
    imports arrives compiled. A checkout installed with ``pip install -e`` under
    ``PYTHONDONTWRITEBYTECODE`` would otherwise compile the course's modules afresh in every
    kernel (about 60 ms a page here), which no learner's server does.
    """
    compileall.compile_dir(ROOT / "widgets", quiet=1)


def bare_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider()"))
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    path = folder / "bare.ipynb"
    nbformat.write(nb, path)
    return path


class Server:
    def __init__(self, root: Path, journal: Path, store: str = "file"):
        compile_course()
        self.port = free_port()
        # The course's own server, as `secure-base serve` runs it (its routes, its scripts
        # served as files), for the bare page as for the course.
        code = (
            "import sys\n"
            "from widgets.server.course import course_server\n"
            "from widgets.server.settings import use_course_template\n"
            "use_course_template()\n"
            "course_server().launch_instance(argv=sys.argv[1:])"
        )
        # The benchmark stops each page's kernel once measured; no restarts, please.
        argv = [*voila_argv(self.port, token=False, root=root), "--KernelManager.autorestart=False"]
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, *argv],
            env={**os.environ, "SECURE_BASE_JOURNAL": str(journal), "SECURE_BASE_STORE": store},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("Voilà did not start")

    def url(self, file: str) -> str:
        return f"http://127.0.0.1:{self.port}/voila/render/{file}"

    def kernels(self) -> set[int]:
        return {p.pid for p in kernel_processes(self.process.pid)}

    def shut_down_kernels(self, kernel_ids: list[str], timeout: float = 60) -> None:
        """Shut these kernels down through the server, as a closing page has its own shut down,
        and wait until every kernel process has gone (any other is stopped).

        Killing a kernel's process instead leaves the server holding a dead kernel until its
        culler reaches it, ten minutes on, while later measurements run.
        """
        xsrf = uuid.uuid4().hex  # the protection against forged requests: cookie and header
        headers = {"X-XSRFToken": xsrf, "Cookie": f"_xsrf={xsrf}"}
        for kernel_id in kernel_ids:
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.port}/api/kernels/{kernel_id}",
                method="DELETE",
                headers=headers,
            )
            with contextlib.suppress(urllib.error.HTTPError):  # one that ended meanwhile
                urllib.request.urlopen(request, timeout=timeout).close()
        deadline = time.monotonic() + timeout
        while self.kernels() and time.monotonic() < deadline:
            time.sleep(0.1)
        for kernel in kernel_processes(self.process.pid):  # a failed load's, say
            kernel.terminate()

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


def memory_mb(pid: int) -> tuple[float, float | None]:
    proc = psutil.Process(pid)
    try:
        full = proc.memory_full_info()
        return full.rss / 2**20, full.uss / 2**20
    except (psutil.AccessDenied, AttributeError):
        return proc.memory_info().rss / 2**20, None


def measure(browser, server: Server, file: str, ready_js: str) -> dict:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    before = server.kernels()
    page.goto(server.url(file), wait_until="commit")
    page.wait_for_function(ready_js, timeout=120_000, polling=20)
    tti = page.evaluate("performance.now()") / 1000
    # Let the kernel settle (widgets' comms opened, memory allocated) before reading it.
    time.sleep(0.5)
    new = server.kernels() - before
    if len(new) != 1:
        raise RuntimeError(f"expected one new kernel for {file}, found {len(new)}")
    (pid,) = new
    rss, uss = memory_mb(pid)
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    context.close()
    server.shut_down_kernels([kernel_id])  # do not let earlier pages' kernels weigh on later ones
    return {"tti_s": tti, "rss_mb": rss, "uss_mb": uss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--chromium", default=os.environ.get("SECURE_BASE_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    course = load_course()
    scratch = Path(tempfile.mkdtemp(prefix="secure-base-bench-"))
    bare_root = scratch / "bare"
    bare_root.mkdir()
    bare_notebook(bare_root)

    pages = [
        (
            "bare notebook, one slider",
            None,
            "bare.ipynb",
            "document.querySelector('.widget-slider') !== null",
        )
    ]
    for module in course.modules:
        ready = "document.querySelectorAll('nav.sb-nav').length === 2"
        if module.domain:
            n = len(course.prompts_for(module.domain))
            ready += f" && document.querySelectorAll('.sb-reflection textarea').length === {n}"
            players = sum(1 for s in load_scenarios() if s.domain == module.domain)
            ready += f" && document.querySelectorAll('.sb-player').length === {players}"
        pages.append((module.title, module, module.file, ready))

    # The same module with the journal kept in the browser, as when served to others.
    availability = next(p for p in pages if p[2] == "01_availability.ipynb")
    pages.append(("Availability, browser store", availability[1], availability[2], availability[3]))
    course_server = Server(ROOT / "course", scratch / "journal.json")
    browser_server = Server(ROOT / "course", scratch / "unused.json", store="browser")
    bare_server = Server(bare_root, scratch / "journal.json")
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            # One warm-up load each, so that first-import disk caching does not favour either.
            measure(browser, bare_server, "bare.ipynb", pages[0][3])
            measure(browser, course_server, pages[1][2], pages[1][3])
            for _ in range(args.repeats):
                # Interleave pages so that drift in the machine's load touches all alike.
                for title, module, file, ready in pages:
                    server = (
                        bare_server
                        if module is None
                        else browser_server
                        if "browser" in title
                        else course_server
                    )
                    results.setdefault(title, []).append(measure(browser, server, file, ready))
            browser.close()
    finally:
        course_server.stop()
        browser_server.stop()
        bare_server.stop()

    def median(title: str, key: str) -> float | None:
        values = [r[key] for r in results[title] if r[key] is not None]
        return statistics.median(values) if values else None

    base_title = pages[0][0]
    base = {k: median(base_title, k) for k in ("tti_s", "rss_mb", "uss_mb")}
    rows = []
    for title, *_ in pages:
        row = {"page": title, "runs": len(results[title])}
        for key in ("tti_s", "rss_mb", "uss_mb"):
            value = median(title, key)
            row[key] = value
            row[key + "_ratio"] = value / base[key] if value and base[key] else None
        rows.append(row)

    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.repeats} runs per page, medians."
    )
    print(
        f"{'page':28} {'interactive s':>13} {'ratio':>6} {'kernel RSS MB':>14} {'ratio':>6}"
        f" {'kernel USS MB':>14} {'ratio':>6}"
    )
    for row in rows:
        uss = f"{row['uss_mb']:14.1f} {row['uss_mb_ratio']:6.2f}" if row["uss_mb"] else ""
        print(
            f"{row['page']:28} {row['tti_s']:13.2f} {row['tti_s_ratio']:6.2f} "
            f"{row['rss_mb']:14.1f} {row['rss_mb_ratio']:6.2f} {uss}"
        )
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "raw": results}, indent=1))


if __name__ == "__main__":
    main()
