"""Benchmark: how light a domain page is, measured against a bare page in the same run.

Not part of the pass/fail suite. It serves the course as ``secure-base serve`` does and,
beside it with the same server and settings, a bare notebook holding one ipywidgets slider, and
measures for ``01_availability``:

- widget models: the comms a page's kernel holds once it has run (``comm_info_request``);
- time to interactive in headless Chromium (every cell run, every component drawn), median;
- server and kernel CPU per load: the CPU time the Voilà server and the page's kernel spend
  on one protocol-level load (page fetched, widget state fetched as the browser does, over the
  browser's own websocket protocol, ``v1.kernel.websocket.jupyter.org``);
- many learners at once: N protocol-level learners open the page together; each is ready when
  its kernel has answered ``request_states``; p95 and failures (``--crowd-rounds`` takes several
  bursts and reports the median round; the pages take turns going first, since a small shared
  machine can slow down over a run of bursts, and on Linux each burst's stolen CPU is shown;
  each round's ratio, course burst to bare burst, is reported beside the ratio of medians);
- what a keystroke costs: a learner types into one box in Chromium for a few seconds; every
  journal write is counted (each save replaces the file, so its identity changes).

Time to interactive and CPU are measured in pairs, a bare load then a course load, so that a
machine that speeds up or slows down during the run moves both alike. Each is reported as the
ratio of medians and, beside it, the spread of the paired ratios (their quartiles): on a small
shared machine that spread is often a tenth either way, so read one run's ratio with it.

With ``--shape`` it also measures the module's shape alone: the same notebook, its prose and
its code cells, but each code cell doing nothing (the first makes the bare page's slider). What
that page costs over the bare one is the price of the notebook's layout (a code cell between
passages of prose), paid whatever the cells do; the rest is the course's own work.

    python tests/bench/bench_page.py [--repeats 5] [--learners 50] [--shape] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import nbformat
import psutil
import websocket
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_modules import Server, bare_notebook, measure  # noqa: E402
from tests.harness import CHROMIUM_ARGS  # noqa: E402
from widgets.content import load_course, load_scenarios  # noqa: E402

MODULE = "01_availability.ipynb"


#: The kernel websocket protocol JupyterLab's services, and so Voilà's page, speak: each message
#: a binary frame of offsets, the channel and the message's parts, which the server passes
#: between the websocket and the kernel without taking them apart.
V1 = "v1.kernel.websocket.jupyter.org"


def _message(
    msg_type: str, content: dict, channel: str = "shell", metadata: dict | None = None
) -> bytes:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "bench",
        "session": uuid.uuid4().hex,
        "version": "5.3",
        "date": "",
    }
    parts = [header, {}, metadata or {}, content]
    return serialize_msg_to_ws_v1([json.dumps(part).encode() for part in parts], channel)


def _wait_for(ws: websocket.WebSocket, msg_type: str, deadline: float) -> dict:
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        raw = ws.recv()
        if not isinstance(raw, bytes):
            continue  # not a v1 frame
        _channel, parts = deserialize_msg_from_ws_v1(raw)
        header = json.loads(parts[0])
        if header.get("msg_type") == msg_type:
            return {"header": header, "content": json.loads(parts[3])}
    raise TimeoutError(msg_type)


def protocol_load(server: Server, file: str, timeout: float = 180) -> dict:
    """Open a page as a browser does, without drawing it: its HTML, then its widgets' state,
    over the websocket protocol the browser speaks."""
    start = time.monotonic()
    deadline = start + timeout
    with urllib.request.urlopen(server.url(file), timeout=timeout) as response:
        html = response.read().decode("utf-8")
    kernel = re.search(r'"kernelId": *"([0-9a-f-]+)"', html)
    if kernel is None:
        raise RuntimeError("no kernel id in the page")
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/api/kernels/{kernel.group(1)}/channels",
        timeout=timeout,
        subprotocols=[V1],
    )
    try:
        if ws.getsubprotocol() != V1:
            raise RuntimeError(f"the server did not take the {V1} protocol")
        ws.send_binary(_message("comm_info_request", {"target_name": "jupyter.widget"}))
        comms = _wait_for(ws, "comm_info_reply", deadline)["content"]["comms"]
        comm_id = uuid.uuid4().hex
        ws.send_binary(
            _message(
                "comm_open",
                {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
                # The widget control protocol's version, as ipywidgets' own front end sends it.
                metadata={"version": "1.0.0"},
            )
        )
        ws.send_binary(
            _message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}})
        )
        while True:
            msg = _wait_for(ws, "comm_msg", deadline)
            if msg["content"].get("data", {}).get("method") == "update_states":
                break
    finally:
        ws.close()
    return {"ready_s": time.monotonic() - start, "models": len(comms), "kernel": kernel.group(1)}


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def cpu_per_load(server: Server, file: str) -> float:
    """The server's and the new kernel's CPU time for one protocol-level load."""
    before_server = cpu_seconds(server.process.pid)
    before = server.kernels()
    loaded = protocol_load(server, file)
    time.sleep(0.3)  # the last replies sent
    (pid,) = server.kernels() - before
    used = cpu_seconds(server.process.pid) - before_server + cpu_seconds(pid)
    server.shut_down_kernels([loaded["kernel"]])
    return used


def stolen_cpu() -> float | None:
    """CPU seconds the host has taken from this machine since it started (Linux only: the
    ``steal`` column of ``/proc/stat``); ``None`` where the system does not say."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return None


def crowd(server: Server, file: str, learners: int) -> tuple[list[float], list[str]]:
    """Many learners open the page at once; their times to ready, and why any failed."""
    times: list[float] = []
    kernels: list[str] = []
    failures: list[str] = []

    def one() -> None:
        start = time.monotonic()
        try:
            loaded = protocol_load(server, file)
            times.append(loaded["ready_s"])
            kernels.append(loaded["kernel"])
        except Exception as error:  # noqa: BLE001 - a failure is a figure here
            failures.append(
                f"{type(error).__name__}: {str(error)[:100]} after about "
                f"{round(time.monotonic() - start, -1):.0f} s"
            )

    threads = [threading.Thread(target=one) for _ in range(learners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.shut_down_kernels(kernels)
    time.sleep(3)
    return times, failures


def quartiles(values: list[float]) -> tuple[float, float]:
    """The first and third quartiles (the middle half of the values lies between them)."""
    if len(values) < 2:
        return (values[0], values[0])
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (q1, q3)


def paired(course: list[float], bare: list[float]) -> dict[str, float]:
    ratios = [c / b for c, b in zip(course, bare, strict=True) if b]
    low, high = quartiles(ratios)
    return {"median": statistics.median(ratios), "q1": low, "q3": high}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def keystrokes(browser, server: Server, journal: Path, seconds: float, per_second: int) -> dict:
    """Type steadily into one box; count the journal writes it causes."""
    course = load_course()
    prompt = course.prompts_for("availability", "general")[0]
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(server.url(MODULE))
    page.wait_for_selector("nav.sb-nav >> nth=1", state="attached", timeout=120_000)
    box = page.get_by_label(prompt.text, exact=True)
    box.wait_for(timeout=120_000)
    box.click()
    writes = [0]
    watching = [True]

    def identity() -> tuple[int, int] | None:
        try:
            st = journal.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def watch() -> None:
        last = identity()
        while watching[0]:
            now = identity()
            if now != last:
                writes[0] += 1
                last = now
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    typed = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        box.press("a")
        typed += 1
        time.sleep(max(0.0, start + typed / per_second - time.monotonic()))
    elapsed = time.monotonic() - start
    page.wait_for_timeout(2500)  # the last batch
    watching[0] = False
    watcher.join()
    context.close()
    return {"keystrokes": typed, "seconds": elapsed, "writes": writes[0]}


def shape_notebook(folder: Path) -> Path:
    """The module's notebook with the same cells, each code cell doing nothing of its own."""
    nb = nbformat.read(ROOT / "course" / MODULE, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for i, cell in enumerate(code):
        cell.source = "import ipywidgets\nipywidgets.IntSlider()" if i == 0 else "None"
        cell.outputs = []
    path = folder / "shape.ipynb"
    nbformat.write(nb, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--typing-seconds", type=float, default=8.0)
    parser.add_argument(
        "--crowd-rounds", type=int, default=1, help="bursts of learners, bare and course in turn"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--shape", action="store_true", help="also measure the module's shape alone (see above)"
    )
    parser.add_argument(
        "--chromium", default=os.environ.get("SECURE_BASE_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    course = load_course()
    scratch = Path(tempfile.mkdtemp(prefix="secure-base-bench-"))
    (scratch / "bare").mkdir()
    bare_notebook(scratch / "bare")
    journal = scratch / "journal.json"
    course_server = Server(ROOT / "course", journal)
    bare_server = Server(scratch / "bare", scratch / "unused.json")
    shape_server = None
    if args.shape:
        (scratch / "shape").mkdir()
        shape_notebook(scratch / "shape")
        shape_server = Server(scratch / "shape", scratch / "unused-shape.json")
    n = len(course.prompts_for("availability"))
    players = sum(1 for s in load_scenarios() if s.domain == "availability")
    ready_course = (
        "document.querySelectorAll('nav.sb-nav').length === 2"
        f" && document.querySelectorAll('.sb-reflection textarea').length === {n}"
        f" && document.querySelectorAll('.sb-player').length === {players}"
        " && document.querySelectorAll('.sb-rating').length > 0"
    )
    ready_bare = "document.querySelector('.widget-slider') !== null"
    out: dict = {}
    try:
        # Warm both (first imports, disk caches) before anything is measured.
        for _ in range(2):
            protocol_load(bare_server, "bare.ipynb")
            protocol_load(course_server, MODULE)
        out["models"] = {
            "course": protocol_load(course_server, MODULE)["models"],
            "bare": protocol_load(bare_server, "bare.ipynb")["models"],
        }
        cpu: dict[str, list[float]] = {"course": [], "bare": [], "shape": []}
        for _ in range(args.repeats):
            cpu["bare"].append(cpu_per_load(bare_server, "bare.ipynb"))
            cpu["course"].append(cpu_per_load(course_server, MODULE))
            if shape_server:
                cpu["shape"].append(cpu_per_load(shape_server, "shape.ipynb"))
        out["cpu_s"] = {k: statistics.median(v) for k, v in cpu.items() if v}
        out["cpu_paired"] = paired(cpu["course"], cpu["bare"])
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            tti: dict[str, list[float]] = {"course": [], "bare": [], "shape": []}
            for _ in range(args.repeats):
                tti["bare"].append(measure(browser, bare_server, "bare.ipynb", ready_bare)["tti_s"])
                tti["course"].append(measure(browser, course_server, MODULE, ready_course)["tti_s"])
                if shape_server:
                    tti["shape"].append(
                        measure(browser, shape_server, "shape.ipynb", ready_bare)["tti_s"]
                    )
            out["tti_s"] = {k: statistics.median(v) for k, v in tti.items() if v}
            out["tti_paired"] = paired(tti["course"], tti["bare"])
            out["typing"] = keystrokes(browser, course_server, journal, args.typing_seconds, 8)
            browser.close()
        # A crowd's p95 is one figure from one burst, and bursts vary: --crowd-rounds takes
        # several, bare and course in turn, and reports the median round.
        rounds: dict[str, list[float]] = {"bare": [], "course": []}
        failures: dict[str, list[str]] = {"bare": [], "course": []}
        stolen: dict[str, list[float]] = {"bare": [], "course": []}
        pages = [("bare", bare_server, "bare.ipynb"), ("course", course_server, MODULE)]
        for number in range(args.crowd_rounds):
            # Bare first, then course first, and so on: a machine that slows down over the
            # bursts (a shared host, say) then slows both pages alike.
            for name, server, file in pages if number % 2 == 0 else pages[::-1]:
                steal_before = stolen_cpu()
                times, failed = crowd(server, file, args.learners)
                if steal_before is not None and (steal_after := stolen_cpu()) is not None:
                    stolen[name].append(steal_after - steal_before)
                failures[name] += [f"round {len(rounds[name]) + 1}: {why}" for why in failed]
                if times:
                    rounds[name].append(p95(times))
        out["crowd"] = {
            name: {
                "p95_s": statistics.median(rounds[name]) if rounds[name] else None,
                "rounds_p95_s": rounds[name],
                "rounds_stolen_cpu_s": stolen[name],
                "failures": len(failures[name]),
                "why": sorted(Counter(failures[name]).items()),
            }
            for name in rounds
        }
        # Each round's two bursts ran back to back, so their ratio is read against the same
        # state of the machine: one slow burst moves one pair, not both pages' medians.
        if len(rounds["course"]) == len(rounds["bare"]) == args.crowd_rounds:
            out["crowd_paired"] = paired(rounds["course"], rounds["bare"])
    finally:
        course_server.stop()
        bare_server.stop()
        if shape_server:
            shape_server.stop()

    typing = out["typing"]
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.repeats} runs each, medians; {args.learners} "
        f"learners at once, median of {args.crowd_rounds} rounds."
    )
    rows = [
        ("widget models", out["models"]["course"], out["models"]["bare"], ""),
        ("time to interactive, s", out["tti_s"]["course"], out["tti_s"]["bare"], ".2f"),
        ("server + kernel CPU per load, s", out["cpu_s"]["course"], out["cpu_s"]["bare"], ".2f"),
        (
            f"{args.learners} learners at once, p95 ready, s",
            out["crowd"]["course"]["p95_s"],
            out["crowd"]["bare"]["p95_s"],
            ".1f",
        ),
    ]
    print(f"{'measure':42} {'course':>8} {'bare':>8} {'ratio':>6}")
    for label, course_value, bare_value, fmt in rows:
        ratio = course_value / bare_value if course_value and bare_value else float("nan")
        print(f"{label:42} {course_value:>8{fmt}} {bare_value:>8{fmt}} {ratio:6.2f}")
    for label, key in (("time to interactive", "tti_paired"), ("CPU per load", "cpu_paired")):
        spread = out[key]
        print(
            f"{label}: paired ratios, median {spread['median']:.2f}, middle half "
            f"{spread['q1']:.2f} to {spread['q3']:.2f}"
        )
    if "shape" in out["tti_s"]:
        print(
            "the module's shape alone: time to interactive "
            f"{out['tti_s']['shape'] / out['tti_s']['bare']:.2f}x, CPU per load "
            f"{out['cpu_s']['shape'] / out['cpu_s']['bare']:.2f}x the bare page"
        )
    print(
        "p95 of each round, s: "
        + "; ".join(
            f"{name} " + ", ".join(f"{v:.1f}" for v in out["crowd"][name]["rounds_p95_s"])
            for name in ("course", "bare")
        )
    )
    if out["crowd"]["course"]["rounds_stolen_cpu_s"]:
        print(
            "CPU stolen by the host during each round, s: "
            + "; ".join(
                f"{name} "
                + ", ".join(f"{v:.1f}" for v in out["crowd"][name]["rounds_stolen_cpu_s"])
                for name in ("course", "bare")
            )
        )
    if "crowd_paired" in out:
        spread = out["crowd_paired"]
        print(
            f"{args.learners} learners at once: each round's ratio, median {spread['median']:.2f}, "
            f"middle half {spread['q1']:.2f} to {spread['q3']:.2f}"
        )
    print(
        f"failures at once: course {out['crowd']['course']['failures']}, "
        f"bare {out['crowd']['bare']['failures']}"
    )
    for name in ("course", "bare"):
        for why, count in out["crowd"][name]["why"]:
            print(f"  {name}: {count} × {why}")
    print(
        f"typing: {typing['keystrokes']} keystrokes in {typing['seconds']:.1f} s into one box "
        f"made {typing['writes']} journal writes "
        f"({typing['writes'] / typing['seconds']:.2f} a second, "
        f"{typing['writes'] / typing['keystrokes']:.3f} a keystroke)"
    )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
