"""Benchmark: the static site against the Voilà route, measured in the same run.

Not part of the pass/fail suite. It builds the static site, serves it with ``python -m
http.server`` and, beside it, serves the course with Voilà (the journal in the browser, as the
site keeps it), and measures ``01_availability`` in headless Chromium:

- time to interactive (every cell run, every component drawn), median of the repeats:
  - first visit: a fresh browser profile, nothing cached;
  - warm: a second page in the same profile (the site's service worker and the browser's cache);
- the page's memory in the browser once ready (the renderer's JavaScript heap, which on the
  static site holds Python's WebAssembly memory as well) and, for Voilà, the kernel's too;
- the site's size, and its parts.

    python tests/bench/bench_static.py [--repeats 5] [--pyodide PATH] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_modules import Server, memory_mb  # noqa: E402
from tests.harness import CHROMIUM_ARGS, free_port, stop, wait_for_http  # noqa: E402
from widgets.content import load_course, load_scenarios  # noqa: E402
from widgets.site.build import build_site  # noqa: E402

MODULE = "01_availability"
OFFLINE = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def ready_js() -> str:
    course = load_course()
    n = len(course.prompts_for("availability"))
    players = sum(1 for s in load_scenarios() if s.domain == "availability")
    return (
        "document.querySelectorAll('nav.sb-nav').length === 2"
        f" && document.querySelectorAll('.sb-reflection textarea').length === {n}"
        f" && document.querySelectorAll('.sb-player .sb-story').length === {players}"
        " && document.querySelectorAll('fieldset.sb-rating').length > 0"
    )


def heap_mb(page) -> float:
    session = page.context.new_cdp_session(page)
    session.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    return metrics.get("JSHeapTotalSize", 0) / 2**20


def load(page, url: str, ready: str) -> float:
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(ready, timeout=180_000, polling=20)
    return time.perf_counter() - start


def static_visits(browser, url: str, ready: str) -> dict:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    outside: list[str] = []
    context.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    first_page = context.new_page()
    first = load(first_page, url, ready)
    first_page.wait_for_function("navigator.serviceWorker.controller !== null")
    heap = heap_mb(first_page)
    first_page.close()
    warm_page = context.new_page()
    warm = load(warm_page, url, ready)
    context.close()
    if outside:
        raise RuntimeError(f"requests left the machine: {outside}")
    return {"first_s": first, "warm_s": warm, "heap_mb": heap}


def voila_visits(browser, server: Server, ready: str) -> dict:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    before = server.kernels()
    first_page = context.new_page()
    first = load(first_page, server.url(MODULE + ".ipynb"), ready)
    time.sleep(0.5)
    heap = heap_mb(first_page)
    kernel = next(iter(server.kernels() - before), None)
    kernel_mb = memory_mb(kernel)[0] if kernel else float("nan")
    first_page.close()
    warm_page = context.new_page()
    warm = load(warm_page, server.url(MODULE + ".ipynb"), ready)
    context.close()
    return {"first_s": first, "warm_s": warm, "heap_mb": heap, "kernel_rss_mb": kernel_mb}


def sizes(folder: Path) -> dict:
    def total(path: Path) -> int:
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())

    return {
        "site_mb": total(folder) / 1e6,
        "pyodide_mb": total(folder / "pyodide") / 1e6,
        "course_python_mb": total(folder / "python") / 1e6,
        "pages_and_styles_mb": (
            total(folder) - total(folder / "pyodide") - total(folder / "python")
        )
        / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pyodide", type=Path, default=os.environ.get("SECURE_BASE_PYODIDE"))
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--chromium", default=os.environ.get("SECURE_BASE_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="secure-base-bench-"))
    started = time.perf_counter()
    built = build_site(scratch / "site", pyodide=args.pyodide, log=lambda _m: None)
    build_s = time.perf_counter() - started
    port = free_port()
    files = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=built.folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    voila = Server(ROOT / "course", scratch / "unused.json", store="browser")
    ready = ready_js()
    url = f"http://127.0.0.1:{port}/{MODULE}.html"
    try:
        wait_for_http(url, files, "The static file server", 30)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=OFFLINE)
            voila_visits(browser, voila, ready)  # warm the server's imports and disk caches
            static_visits(browser, url, ready)
            runs: dict[str, list[dict]] = {"static": [], "voila": []}
            for _ in range(args.repeats):
                runs["static"].append(static_visits(browser, url, ready))
                runs["voila"].append(voila_visits(browser, voila, ready))
            browser.close()
    finally:
        voila.stop()
        stop(files)

    def median(route: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[route])

    out = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "repeats": args.repeats,
        "build_s": build_s,
        "size": sizes(built.folder),
        "static": {k: median("static", k) for k in ("first_s", "warm_s", "heap_mb")},
        "voila": {k: median("voila", k) for k in ("first_s", "warm_s", "heap_mb", "kernel_rss_mb")},
    }
    out["ratios"] = {
        "first_visit_static_over_voila": out["static"]["first_s"] / out["voila"]["first_s"],
        "warm_static_over_voila": out["static"]["warm_s"] / out["voila"]["warm_s"],
        "warm_over_first_static": out["static"]["warm_s"] / out["static"]["first_s"],
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
