"""Benchmark: a workshop with a room of learners, against bare Voilà in the same run.

Not part of the pass/fail suite. It starts ``secure-base workshop`` as a trainer would, with 30
submissions already in the cohort store, and beside it bare Voilà (same settings) serving a
notebook with one ipywidgets slider. Then:

- 20 learners open the share page at once; each page's time to interactive (navigation to every
  widget on screen, recorded by the page itself) and the learners' server's memory with the 20
  kernels running, against 20 bare pages opened at once;
- with those 20 learners connected, the trainer opens the dashboard: its time to interactive;
- a dashboard refresh at 30 submissions (read the cohort, redraw the grid, focus and notes),
  timed in-process, against reading the same rows with the standard library's sqlite3.

    python tests/bench/bench_workshop.py [--learners 20] [--repeats 3] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_modules import Server, bare_notebook  # noqa: E402
from tests.conftest import secure_base_command  # noqa: E402
from tests.harness import CHROMIUM_ARGS, WorkshopServer, kernel_processes  # noqa: E402
from widgets.content import load_course, load_scenarios  # noqa: E402
from widgets.workshop.cohort import CohortStore, new_device  # noqa: E402
from widgets.workshop.dashboard import Dashboard  # noqa: E402

#: Recorded by each page itself, so that pages opened together are timed fairly.
READY_PROBE = """
(condition) => {
  const check = () => {
    if (window.__ready) return;
    try { if (eval(condition)) { window.__ready = performance.now(); return; } } catch (e) {}
    setTimeout(check, 20);
  };
  check();
}
"""
LEARNER_READY = (
    "document.querySelectorAll('nav.sb-nav').length === 2 && "
    "document.querySelector('.sb-share-join, .sb-share-state') !== null"
)
BARE_READY = "document.querySelector('.widget-slider') !== null"
BOARD_READY = "document.querySelector('.sb-cohort-grid') !== null"


def tree_rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def open_together(browser, urls: list[str], condition: str) -> tuple[list[float], list]:
    """Open every URL at once; return each page's own time to interactive, and the contexts."""
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in urls]
    pages = [c.new_page() for c in contexts]
    for page in pages:
        page.add_init_script(
            f"window.addEventListener('DOMContentLoaded', () => ({READY_PROBE})({condition!r}))"
        )
    for page, url in zip(pages, urls, strict=True):
        page.goto(url, wait_until="commit")
    times = []
    for page in pages:
        page.wait_for_function("window.__ready !== undefined", timeout=300_000, polling=50)
        times.append(page.evaluate("window.__ready") / 1000)
    return times, contexts


def stop_kernels(server_pid: int) -> None:
    """Closed pages leave their kernels behind (voila#1458); stop them between rounds."""
    for kernel in kernel_processes(server_pid):
        kernel.terminate()
    psutil.wait_procs(kernel_processes(server_pid), timeout=20)


def seed(store: CohortStore, code: str, count: int, course) -> None:
    rng = random.Random(7)
    cells = [(d.key, s.key) for d in course.domains for s in course.stages]
    for _ in range(count):
        store.share(code, new_device(), {c: rng.randint(0, 4) for c in cells})
    for n in range(5):
        store.post_note(code, new_device(), f"A note from the room, number {n + 1}.")


def time_refresh(store: CohortStore, code: str, course, repeats: int = 50) -> tuple[float, float]:
    board = Dashboard(course, store, code, load_scenarios())
    refresh = []
    for _ in range(repeats):
        start = time.perf_counter()
        board.refresh(force=True)
        refresh.append(time.perf_counter() - start)
    path = store.url.removeprefix("sqlite:///")
    bare = []
    for _ in range(repeats):
        start = time.perf_counter()
        with sqlite3.connect(path) as db:
            db.execute("select * from shares where cohort = ?", (code,)).fetchall()
            db.execute("select * from notes where cohort = ?", (code,)).fetchall()
        bare.append(time.perf_counter() - start)
    return statistics.median(refresh), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--chromium", default=os.environ.get("SECURE_BASE_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    course = load_course()
    scratch = Path(tempfile.mkdtemp(prefix="secure-base-bench-"))
    (scratch / "bare").mkdir()
    bare_notebook(scratch / "bare")
    database = str(scratch / "cohorts.sqlite")
    workshop = WorkshopServer(secure_base_command(), database, "--cohort=Benchmark")
    store = CohortStore(database, course)
    seed(store, workshop.code, args.submissions, course)
    bare = Server(scratch / "bare", scratch / "journal.json")
    learner_server, trainer_server = sorted(
        workshop.servers(), key=lambda p: "learner" not in " ".join(p.cmdline())
    )
    runs: dict[str, list[float]] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for _ in range(args.repeats):
                times, contexts = open_together(
                    browser, [bare.url("bare.ipynb")] * args.learners, BARE_READY
                )
                time.sleep(1)
                runs.setdefault("bare_tti", []).extend(times)
                runs.setdefault("bare_server_mb", []).append(tree_rss_mb(bare.process.pid))
                for c in contexts:
                    c.close()
                stop_kernels(bare.process.pid)
                url = workshop.learner_page("09_share.ipynb")
                times, contexts = open_together(browser, [url] * args.learners, LEARNER_READY)
                time.sleep(1)
                runs.setdefault("learner_tti", []).extend(times)
                runs.setdefault("learner_server_mb", []).append(tree_rss_mb(learner_server.pid))
                board_times, board_contexts = open_together(
                    browser, [workshop.trainer_url], BOARD_READY
                )
                runs.setdefault("dashboard_tti", []).extend(board_times)
                # The dashboard's baseline: one bare page, opened with the same learners connected.
                single, single_contexts = open_together(
                    browser, [bare.url("bare.ipynb")], BARE_READY
                )
                runs.setdefault("bare_single_tti", []).extend(single)
                board_contexts += single_contexts
                for c in contexts + board_contexts:
                    c.close()
                stop_kernels(learner_server.pid)
                stop_kernels(trainer_server.pid)
                stop_kernels(bare.process.pid)
                time.sleep(2)
            browser.close()
        refresh, bare_read = time_refresh(store, workshop.code, course)
    finally:
        store.close()
        bare.stop()
        workshop.stop()

    med = {k: statistics.median(v) for k, v in runs.items()}
    result = {
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "learners": args.learners,
        "submissions": args.submissions,
        "repeats": args.repeats,
        "learner_tti_s": med["learner_tti"],
        "learner_tti_p90_s": statistics.quantiles(runs["learner_tti"], n=10)[-1],
        "bare_tti_s": med["bare_tti"],
        "dashboard_tti_s": med["dashboard_tti"],
        "bare_single_tti_s": med["bare_single_tti"],
        "learner_server_mb": med["learner_server_mb"],
        "bare_server_mb": med["bare_server_mb"],
        "refresh_ms": refresh * 1000,
        "bare_read_ms": bare_read * 1000,
    }
    print(f"Machine: {result['machine']}; {args.repeats} rounds, medians.")
    print(
        f"{args.learners} learners opening the share page at once: interactive in "
        f"{result['learner_tti_s']:.2f} s (90th percentile {result['learner_tti_p90_s']:.2f} s); "
        f"bare notebook, {args.learners} at once: {result['bare_tti_s']:.2f} s "
        f"(ratio {result['learner_tti_s'] / result['bare_tti_s']:.2f})"
    )
    print(
        f"Dashboard with {args.learners} learners connected: interactive in "
        f"{result['dashboard_tti_s']:.2f} s; one bare page with the same learners connected: "
        f"{result['bare_single_tti_s']:.2f} s (ratio "
        f"{result['dashboard_tti_s'] / result['bare_single_tti_s']:.2f})"
    )
    print(
        f"Learners' server with {args.learners} pages open (server and kernels, RSS): "
        f"{result['learner_server_mb']:.0f} MB; bare Voilà with {args.learners} slider pages: "
        f"{result['bare_server_mb']:.0f} MB (ratio "
        f"{result['learner_server_mb'] / result['bare_server_mb']:.2f})"
    )
    print(
        f"Dashboard refresh at {args.submissions} submissions: {result['refresh_ms']:.1f} ms; "
        f"reading the same rows with sqlite3: {result['bare_read_ms']:.2f} ms "
        f"(ratio {result['refresh_ms'] / result['bare_read_ms']:.1f})"
    )
    if args.json:
        args.json.write_text(json.dumps({"result": result, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
