"""Benchmark: the time to export a full journal as a web page, in-process, against a baseline.

Not part of the pass/fail suite. A full journal: a reflection of 300 words for each of 121
prompts, two complete self-assessments, eight actions, every scenario played to an ending, and
(where the course has one) a CPD record of two pieces. Each tree builds the same journal with its
own code and times ``export_html`` on it, in a fresh Python, several times; the report gives the
median and its ratio to the baseline's, measured in the same run.

    python tests/bench/bench_export.py --baseline PATH_TO_AN_EARLIER_CHECKOUT [--repeats 15]

(For example ``git worktree add /tmp/before <commit>`` makes the earlier checkout.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MEASURE = r"""
import json, statistics, sys, time
from widgets.content import load_course
try:
    from widgets.content import load_scenarios
except ImportError:  # an older layout
    from widgets.scenarios import load_scenarios
try:
    from widgets.reports.export import export_html
except ImportError:  # an older layout
    from widgets.export import export_html
from widgets.journal import Journal

course, scenarios = load_course(), load_scenarios()
words = ("Our team's hybrid days need a rhythm that newer colleagues can rely on, " * 30).split()
journal = Journal()
for prompt in course.prompts[:121]:
    journal.set_reflection(prompt.id, " ".join(words[:300]))
levels = [lv.key for lv in course.scale if lv.score is not None]
for attempt_number in range(2):
    attempt = journal.start_attempt()
    for i, statement in enumerate(course.statements):
        journal.set_rating(attempt, statement.id, levels[(i + attempt_number) % len(levels)])
for i, domain in enumerate(course.domains):
    for stage in course.stages[:2]:
        journal.add_action(what=f"Action {i} for {domain.title}", who="The team", by="June",
                           measure="People say so", domain=domain.key, stage=stage.key)
for scenario in scenarios:
    path = [scenario.start]
    while not scenario.get(path[-1]).is_ending:
        path.append(scenario.get(path[-1]).choice[0].next)
    journal.set_scenario(scenario.id, {"path": path, "ending": path[-1], "endings": [path[-1]]})
if hasattr(journal, "add_cpd"):
    for _ in range(2):
        journal.add_cpd(type="Online course", activity=" ".join(words[:80]),
                        learnt=" ".join(words[:250]), impact=" ".join(words[:200]),
                        peer=" ".join(words[:150]))
export_html(journal, course, scenarios)  # warm: templates compiled, imports done
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    html = export_html(journal, course, scenarios)
    times.append(time.perf_counter() - start)
print(json.dumps({"median_ms": 1000 * statistics.median(times), "bytes": len(html.encode())}))
"""


def measure(tree: Path, repeats: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(repeats)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="an earlier checkout")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    # Interleaved, so that drift in the machine's load touches both alike.
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "this tree": []}
    for _ in range(3):
        runs["baseline"].append(measure(args.baseline.resolve(), args.repeats))
        runs["this tree"].append(measure(ROOT, args.repeats))
    base = statistics.median(r["median_ms"] for r in runs["baseline"])
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; 3 processes x {args.repeats} exports each, medians."
    )
    print(f"{'export of a full journal':28} {'ms':>8} {'ratio':>6} {'page KB':>8}")
    for name, found in runs.items():
        ms = statistics.median(r["median_ms"] for r in found)
        size = found[-1]["bytes"] / 1024
        print(f"{name:28} {ms:8.1f} {ms / base:6.2f} {size:8.0f}")


if __name__ == "__main__":
    main()
