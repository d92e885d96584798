"""Benchmark: the figures a capacity plan for JupyterHub needs, each beside a bare baseline.

Not part of the pass/fail suite. In one run, on this machine, it measures:

1. each learner kernel's memory (RSS and USS) once its page is drawn in headless Chromium, for a
   domain module and for the welcome module, against a bare one-slider page;
2. server and kernel CPU per protocol-level page load, for the same pages;
3. the Voilà server's own memory once it has served the pages above, and with several idle pages
   open (its cost per open page), and the CPU those idle pages take, against bare Voilà with as
   many bare pages; and a learner's own server with one page open, as on a
   hub: standalone Voilà with the course's settings (``voila_argv``), and a Jupyter server with
   Voilà and every server extension this environment switches on (what ``jupyterhub-singleuser``
   runs), each against the same server with the bare page, and how soon a closed page's kernel
   stops there;
4. the trainer's dashboard refresh (read the cohort, redraw) at 500 shares, in SQLite and in a
   throwaway PostgreSQL server started here on 127.0.0.1, median and 95th percentile, against
   reading the same rows with the bare driver; the database's own CPU per refresh; the mean time
   of one share written while seeding.

It records the machine and the load average at start and end, and waits (a minute at a time) for
a quiet machine before it starts. Every server listens on 127.0.0.1 and is stopped by its process
id.

    python tests/bench/bench_capacity.py [--repeats 5] [--idle-pages 10] [--shares 500]
        [--max-waits 10] [--json results.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil
import sqlalchemy as sa
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_modules import Server, bare_notebook, measure, memory_mb  # noqa: E402
from tests.bench.bench_page import cpu_per_load, cpu_seconds, p95, protocol_load  # noqa: E402
from tests.bench.bench_workshop import open_together, seed, stop_kernels, tree_rss_mb  # noqa: E402
from tests.harness import (  # noqa: E402
    CHROMIUM_ARGS,
    free_port,
    postgres_bin,
    postgres_server,
    stop,
    wait_for_http,
)
from widgets.content import load_course, load_scenarios  # noqa: E402
from widgets.server import WELCOME, jupyter_data_dir, server_settings, settings_argv  # noqa: E402
from widgets.workshop.cohort import CohortStore  # noqa: E402
from widgets.workshop.cohort import shares as shares_table  # noqa: E402
from widgets.workshop.dashboard import REFRESH_SECONDS, Dashboard  # noqa: E402

DOMAIN = "01_availability.ipynb"
BARE = "bare.ipynb"
BARE_READY = "document.querySelector('.widget-slider') !== null"
QUIET_LOAD = 1.5
#: How long the open pages are left alone while their CPU is counted.
IDLE_SECONDS = 15


def ready_js(file: str) -> str:
    """When a page is interactive: every cell run, every component of the module drawn."""
    if file == BARE:
        return BARE_READY
    course = load_course()
    module = next(m for m in course.modules if m.file == file)
    ready = "document.querySelectorAll('nav.sb-nav').length === 2"
    if module.domain:
        players = sum(1 for s in load_scenarios() if s.domain == module.domain)
        ready += (
            " && document.querySelectorAll('.sb-reflection textarea').length === "
            f"{len(course.prompts_for(module.domain))}"
            f" && document.querySelectorAll('.sb-player').length === {players}"
            " && document.querySelectorAll('fieldset.sb-rating[role=radiogroup]').length === "
            f"{len(course.statements_for(module.domain))}"
        )
    return ready


class JupyterServer(Server):
    """Voilà inside a Jupyter server, as ``jupyterhub-singleuser`` runs it for each learner: the
    hub's course settings (``server_settings``), every server extension this environment switches
    on (the course's own among them), TCP to its kernels, a token."""

    def __init__(self, root: Path, journal: Path):
        self.port = free_port()
        self.token = secrets.token_hex(16)
        argv = [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.log_level=WARN",
            *settings_argv(server_settings()),
            "--KernelManager.autorestart=False",
        ]
        if os.geteuid() == 0:
            argv.append("--allow-root")
        data = str(jupyter_data_dir())
        self.process = subprocess.Popen(
            argv,
            env={
                **os.environ,
                "SECURE_BASE_JOURNAL": str(journal),
                "SECURE_BASE_STORE": "file",
                # The course's template and server extension from this checkout, first.
                "JUPYTER_PATH": data,
                "JUPYTER_CONFIG_PATH": data,
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        status = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        wait_for_http(status, self.process, "Jupyter Server", 120)

    def url(self, file: str) -> str:
        return f"http://127.0.0.1:{self.port}/voila/render/{file}?token={self.token}"


def shut(server: Server) -> None:
    """Stop a server we started, by its process id, and any kernel it leaves behind."""
    kernels = [psutil.Process(pid) for pid in server.kernels()]
    stop(server.process)
    for kernel in kernels:
        with contextlib.suppress(psutil.Error):
            kernel.kill()


def wait_for_quiet(max_waits: int) -> list[float]:
    """The one-minute load average at each look; wait a minute while it is above QUIET_LOAD."""
    seen = [os.getloadavg()[0]]
    while seen[-1] > QUIET_LOAD and len(seen) <= max_waits:
        print(f"load average {seen[-1]:.2f} is above {QUIET_LOAD}: waiting a minute", flush=True)
        time.sleep(60)
        seen.append(os.getloadavg()[0])
    return seen


def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import jupyter_server
    import voila

    folder = postgres_bin()
    postgresql = (
        subprocess.run([str(folder / "postgres"), "--version"], capture_output=True, text=True)
        .stdout.strip()
        .removeprefix("postgres (PostgreSQL) ")
        if folder
        else None
    )
    return {
        "platform": platform.platform(),
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "voila": voila.__version__,
        "jupyter_server": jupyter_server.__version__,
        "postgresql": postgresql,
        "sqlite": sqlite3.sqlite_version,
    }


def one_learner(browser, make: Callable[[], Server], file: str, wait_close: bool) -> dict:
    """A fresh server, as a learner's own: its memory just started, with one page open, and after
    the page is closed; the page's kernel; how soon the closed page's kernel stopped."""
    server = make()
    try:
        time.sleep(1)
        started = memory_mb(server.process.pid)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.goto(server.url(file), wait_until="commit")
        page.wait_for_function(ready_js(file), timeout=180_000, polling=50)
        time.sleep(1)  # the kernel settled, the last replies sent
        (kernel,) = server.kernels()
        open_server = memory_mb(server.process.pid)
        open_kernel = memory_mb(kernel)
        freed_s = None
        if wait_close:
            page.close(run_before_unload=True)
            closed = time.monotonic()
            while kernel in server.kernels() and time.monotonic() - closed < 30:
                time.sleep(0.1)
            if kernel not in server.kernels():
                freed_s = time.monotonic() - closed
        context.close()
        time.sleep(1)
        after = memory_mb(server.process.pid)
    finally:
        shut(server)
    return {
        "server_started_rss_mb": started[0],
        "server_rss_mb": open_server[0],
        "server_uss_mb": open_server[1],
        "kernel_rss_mb": open_kernel[0],
        "kernel_uss_mb": open_kernel[1],
        "server_after_close_rss_mb": after[0],
        "kernel_stopped_after_close_s": freed_s,
    }


def idle_pages(browser, server: Server, file: str, count: int) -> dict:
    """The server's own memory with no page open, then with ``count`` idle pages open."""
    stop_kernels(server.process.pid)
    time.sleep(1)
    before = memory_mb(server.process.pid)
    _times, contexts = open_together(browser, [server.url(file)] * count, ready_js(file))
    time.sleep(3)  # idle: every page drawn, nothing more asked of the server
    kernels = server.kernels()
    during = memory_mb(server.process.pid)
    # What the idle pages cost in CPU: the server and their kernels, over a quiet while.
    everyone = [server.process.pid, *kernels]
    cpu_before, quiet = sum(cpu_seconds(p) for p in everyone), time.monotonic()
    time.sleep(IDLE_SECONDS)
    idle_cpu = sum(cpu_seconds(p) for p in everyone) - cpu_before
    quiet = time.monotonic() - quiet
    total = tree_rss_mb(server.process.pid)
    for context in contexts:
        context.close()
    stop_kernels(server.process.pid)
    return {
        "pages": count,
        "kernels": len(kernels),
        "server_rss_mb_before": before[0],
        "server_uss_mb_before": before[1],
        "server_rss_mb": during[0],
        "server_uss_mb": during[1],
        "server_and_kernels_rss_mb": total,
        "idle_cpu_ms_per_page_minute": idle_cpu / quiet * 60 / count * 1000,
        "server_rss_mb_per_page": (during[0] - before[0]) / count,
        "server_uss_mb_per_page": (during[1] - before[1]) / count
        if during[1] is not None and before[1] is not None
        else None,
    }


def tree_cpu_seconds(process: psutil.Process) -> float:
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def dashboard(store: CohortStore, course, shares: int, refreshes: int, database) -> dict:
    """Seed a cohort with ``shares`` shares; time the dashboard's refresh, the store's summary
    (the database's part of it) and a bare read of the same rows."""
    code = store.create_cohort("Capacity").code
    start = time.perf_counter()
    seed(store, code, shares, course)  # the shares, then five notes
    seeding = time.perf_counter() - start
    board = Dashboard(course, store, code, load_scenarios())
    board.refresh(force=True)  # first connection, first drawing
    cpu_before = tree_cpu_seconds(database) if isinstance(database, psutil.Process) else None
    refresh = []
    for _ in range(refreshes):
        start = time.perf_counter()
        board.refresh(force=True)
        refresh.append(time.perf_counter() - start)
    summary = []
    for _ in range(refreshes):
        start = time.perf_counter()
        store.summary(code)
        summary.append(time.perf_counter() - start)
    # The database's own CPU for each summary read (a refresh makes one), over both loops.
    db_cpu = (
        (tree_cpu_seconds(database) - cpu_before) / (2 * refreshes)
        if cpu_before is not None
        else None
    )
    bare = []
    if isinstance(database, psutil.Process):
        import psycopg

        url = store.engine.url
        with psycopg.connect(
            host=url.host, port=url.port, user=url.username, dbname=url.database
        ) as db:
            for _ in range(refreshes):
                start = time.perf_counter()
                db.execute("select * from shares where cohort = %s", (code,)).fetchall()
                db.execute("select * from notes where cohort = %s", (code,)).fetchall()
                bare.append(time.perf_counter() - start)
    else:
        with contextlib.closing(sqlite3.connect(database)) as db:
            for _ in range(refreshes):
                start = time.perf_counter()
                db.execute("select * from shares where cohort = ?", (code,)).fetchall()
                db.execute("select * from notes where cohort = ?", (code,)).fetchall()
                bare.append(time.perf_counter() - start)
    with store.engine.connect() as db:
        rows = db.scalar(sa.select(sa.func.count()).select_from(shares_table))
        if isinstance(database, psutil.Process):
            size = db.scalar(
                sa.text("select pg_total_relation_size('shares') + pg_total_relation_size('notes')")
            )
        else:  # the whole file, as the database sees it (the write-ahead log included)
            size = (
                db.exec_driver_sql("PRAGMA page_count").scalar()
                * db.exec_driver_sql("PRAGMA page_size").scalar()
            )
    return {
        "shares": shares,
        "participants": store.summary(code).participants,
        "rows": rows,
        "storage_kb": size / 1024,
        "refreshes": refreshes,
        "refresh_ms": statistics.median(refresh) * 1000,
        "refresh_p95_ms": p95(refresh) * 1000,
        "summary_ms": statistics.median(summary) * 1000,
        "summary_p95_ms": p95(summary) * 1000,
        "bare_read_ms": statistics.median(bare) * 1000,
        "database_cpu_ms_per_refresh": db_cpu * 1000 if db_cpu is not None else None,
        "seeding_s": seeding,
        "share_write_ms": seeding / (shares + 5) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--idle-pages", type=int, default=10)
    parser.add_argument("--shares", type=int, default=500)
    parser.add_argument("--max-waits", type=int, default=10, help="minutes to wait for quiet")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--chromium", default=os.environ.get("SECURE_BASE_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    began = time.monotonic()
    looks = wait_for_quiet(args.max_waits)
    out: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python tests/bench/bench_capacity.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "load_at_start": os.getloadavg(),
        "load_looks": looks,
        "repeats": args.repeats,
    }
    course = load_course()
    scratch = Path(tempfile.mkdtemp(prefix="secure-base-bench-"))
    (scratch / "bare").mkdir()
    bare_notebook(scratch / "bare")
    pages = (("domain", DOMAIN), ("welcome", WELCOME))

    course_server = Server(ROOT / "course", scratch / "journal.json")
    bare_server = Server(scratch / "bare", scratch / "unused.json")
    try:
        # Warm both (first imports, disk caches) before anything is measured.
        for _ in range(2):
            protocol_load(bare_server, BARE)
            for _name, file in pages:
                protocol_load(course_server, file)
        stop_kernels(course_server.process.pid)
        stop_kernels(bare_server.process.pid)

        cpu: dict[str, list[float]] = {"bare": [], "domain": [], "welcome": []}
        for _ in range(args.repeats):
            cpu["bare"].append(cpu_per_load(bare_server, BARE))
            for name, file in pages:
                cpu[name].append(cpu_per_load(course_server, file))
        out["cpu_s_per_load"] = {k: statistics.median(v) for k, v in cpu.items()}
        print("CPU per load measured", flush=True)

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            out["machine"]["chromium"] = browser.version
            measure(browser, bare_server, BARE, BARE_READY)
            measure(browser, course_server, DOMAIN, ready_js(DOMAIN))
            kernels: dict[str, list[dict]] = {"bare": [], "domain": [], "welcome": []}
            for _ in range(args.repeats):
                # Interleaved, so that drift in the machine's load touches all alike.
                kernels["bare"].append(measure(browser, bare_server, BARE, BARE_READY))
                for name, file in pages:
                    kernels[name].append(measure(browser, course_server, file, ready_js(file)))
            out["kernel"] = {
                name: {
                    key: statistics.median(r[key] for r in runs)
                    for key in ("rss_mb", "uss_mb", "tti_s")
                }
                for name, runs in kernels.items()
            }
            print("kernel memory measured", flush=True)

            out["idle_pages"] = {
                "domain": idle_pages(browser, course_server, DOMAIN, args.idle_pages),
                "bare": idle_pages(browser, bare_server, BARE, args.idle_pages),
            }
            print("idle pages measured", flush=True)

            journal = scratch / "learner.json"
            routes: dict[str, Callable[[], Server]] = {
                "voila": lambda: Server(ROOT / "course", journal),
                "voila_bare": lambda: Server(scratch / "bare", journal),
                "jupyter": lambda: JupyterServer(ROOT / "course", journal),
                "jupyter_bare": lambda: JupyterServer(scratch / "bare", journal),
            }
            learner: dict[str, list[dict]] = {name: [] for name in routes}
            for _ in range(args.repeats):
                for name, make in routes.items():
                    file = BARE if name.endswith("bare") else DOMAIN
                    learner[name].append(
                        one_learner(browser, make, file, wait_close=name == "jupyter")
                    )
            out["learner_server"] = {
                name: {
                    key: statistics.median(values)
                    if (values := [r[key] for r in runs if r[key] is not None])
                    else None
                    for key in runs[0]
                }
                for name, runs in learner.items()
            }
            out["learner_server"]["jupyter"]["kernels_stopped"] = sum(
                1 for r in learner["jupyter"] if r["kernel_stopped_after_close_s"] is not None
            )
            print("learners' servers measured", flush=True)
            browser.close()
    finally:
        shut(course_server)
        shut(bare_server)

    refreshes = 10 * args.repeats
    sqlite_path = scratch / "cohorts.sqlite"
    store = CohortStore(sqlite_path, course)
    try:
        out["dashboard_sqlite"] = dashboard(store, course, args.shares, refreshes, sqlite_path)
    finally:
        store.close()
    folder = postgres_bin()
    if folder is None:
        raise RuntimeError("PostgreSQL was not found: install Debian's postgresql package")
    with postgres_server(folder) as (url, database):
        store = CohortStore(url, course)
        try:
            out["dashboard_postgresql"] = dashboard(store, course, args.shares, refreshes, database)
        finally:
            store.close()
    print("dashboard measured", flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    out["load_at_end"] = os.getloadavg()
    out["minutes"] = (time.monotonic() - began) / 60
    report(out, args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


def report(out: dict, args) -> None:
    m = out["machine"]
    print(
        f"\nMachine: {m['platform']}; {m['cpu']}; {m['cores']} cores, {m['memory_gb']} GB; Python "
        f"{m['python']}, Voilà {m['voila']}, Jupyter Server {m['jupyter_server']}, Chromium "
        f"{m.get('chromium')}, PostgreSQL {m['postgresql']}, SQLite {m['sqlite']}. "
        f"{out['date']}; {args.repeats} runs each, medians."
    )
    start, end = out["load_at_start"], out["load_at_end"]
    print(
        f"Load average (1, 5, 15 min) at start {start[0]:.2f} {start[1]:.2f} {start[2]:.2f}, "
        f"at end {end[0]:.2f} {end[1]:.2f} {end[2]:.2f}; run took {out['minutes']:.1f} min.\n"
    )

    def row(label: str, value, bare, fmt: str) -> None:
        ratio = f"{value / bare:6.2f}" if value and bare else "      "
        shown = f"{value:>9{fmt}}" if value is not None else f"{'-':>9}"
        base = f"{bare:>9{fmt}}" if bare is not None else f"{'-':>9}"
        print(f"{label:60} {shown} {base} {ratio}")

    print(f"{'measure':60} {'course':>9} {'bare':>9} {'ratio':>6}")
    k, cpu = out["kernel"], out["cpu_s_per_load"]
    for name, title in (("domain", "Availability (domain module)"), ("welcome", "welcome")):
        row(f"kernel RSS, MB: {title}", k[name]["rss_mb"], k["bare"]["rss_mb"], ".1f")
        row(f"kernel USS, MB: {title}", k[name]["uss_mb"], k["bare"]["uss_mb"], ".1f")
        row(f"server + kernel CPU per load, s: {title}", cpu[name], cpu["bare"], ".3f")
    idle = out["idle_pages"]
    n = idle["domain"]["pages"]
    for key, label in (
        ("server_rss_mb_before", "Voilà server RSS, no page open, MB"),
        ("server_rss_mb", f"Voilà server RSS, {n} idle pages open, MB"),
        ("server_rss_mb_per_page", "Voilà server RSS per open page, MB"),
        ("server_uss_mb_per_page", "Voilà server USS per open page, MB"),
        ("server_and_kernels_rss_mb", f"Voilà server and its {n} kernels, RSS, MB"),
        ("idle_cpu_ms_per_page_minute", "idle page, server + kernel CPU, ms a minute"),
    ):
        row(label, idle["domain"][key], idle["bare"][key], ".1f")
    ls = out["learner_server"]
    for route, title in (("voila", "standalone Voilà"), ("jupyter", "Jupyter Server")):
        bare = ls[f"{route}_bare"]
        for key, label in (
            ("server_started_rss_mb", "just started, RSS"),
            ("server_rss_mb", "one page open, RSS"),
            ("server_uss_mb", "one page open, USS"),
            ("server_after_close_rss_mb", "page closed, RSS"),
            ("kernel_rss_mb", "its kernel, RSS"),
        ):
            row(f"learner's server, {title}, {label}, MB", ls[route][key], bare[key], ".1f")
    j = ls["jupyter"]
    stopped = j["kernel_stopped_after_close_s"]
    print(
        f"closed page's kernel stopped (Jupyter Server): {j['kernels_stopped']} of "
        f"{args.repeats}" + (f", median {stopped:.1f} s after closing" if stopped else "")
    )
    for name in ("sqlite", "postgresql"):
        d = out[f"dashboard_{name}"]
        print(
            f"dashboard, {name}, {d['shares']} shares: refresh {d['refresh_ms']:.1f} ms median, "
            f"{d['refresh_p95_ms']:.1f} ms p95 over {d['refreshes']}; the store's summary "
            f"{d['summary_ms']:.1f} ms (p95 {d['summary_p95_ms']:.1f}); bare read of the rows "
            f"{d['bare_read_ms']:.2f} ms (refresh/bare {d['refresh_ms'] / d['bare_read_ms']:.1f})"
            + (
                f"; database CPU {d['database_cpu_ms_per_refresh']:.1f} ms a refresh (one summary)"
                if d["database_cpu_ms_per_refresh"] is not None
                else ""
            )
            + f"; a share written in {d['share_write_ms']:.1f} ms on average while seeding"
            + f"; {d['rows']} rows, {d['storage_kb']:.0f} KB stored"
        )
    print(f"(an open dashboard refreshes every {REFRESH_SECONDS:g} s)")


if __name__ == "__main__":
    main()
