"""Scenario exercises as data: one TOML file a scenario in ``exercises/``, checked here.

A scenario is a small branching story. It starts at one node; a *decision* node offers two to
four choices, each leading to another node; an *ending* node closes the story with what
followed and a debrief that ties it to the model (the domains and stages at stake, and the
course prompts worth taking further). The dataclasses below are the scenario's schema;
:func:`parse_scenario` refuses anything off it, and :func:`check_scenario` checks the story
itself: every node reachable, every path ending, no loops, no dangling references, known
domains, stages, source items and prompts.

Run ``python -m widgets.content.scenarios FILE...`` to check scenario files by hand.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .course import content_root, course_files, load_course
from .model import SOURCE_ID, Course
from .schema import ContentError, build, find, kept_checked, read_toml

__all__ = [
    "Choice",
    "Node",
    "Scenario",
    "ScenarioError",
    "check_scenario",
    "exercises_dir",
    "load_scenarios",
    "parse_scenario",
]

SCENARIO_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_DECISIONS_ON_EVERY_PATH = 2
MIN_ENDINGS = 2
MAX_PARAGRAPH_WORDS = 160


class ScenarioError(ContentError):
    """A scenario file does not match the schema or does not make a playable story."""


@dataclass(frozen=True)
class Choice:
    label: str
    next: str


@dataclass(frozen=True)
class Node:
    id: str
    text: str
    choice: tuple[Choice, ...] = ()
    #: The title of an ending; a node with one is an ending.
    ending: str | None = None
    debrief: str | None = None
    #: Course prompt ids an ending points the learner to.
    prompts: tuple[str, ...] = ()

    @property
    def is_ending(self) -> bool:
        return self.ending is not None

    def paragraphs(self, field: str = "text") -> list[str]:
        value = getattr(self, field) or ""
        return [" ".join(p.split()) for p in value.split("\n\n") if p.strip()]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    summary: str
    domains: tuple[str, ...]
    stages: tuple[str, ...]
    sources: tuple[str, ...]
    start: str
    node: tuple[Node, ...] = ()

    @property
    def domain(self) -> str:
        """The domain whose module offers this scenario."""
        return self.domains[0]

    def get(self, node_id: str) -> Node:
        return find(self.node, "id", node_id, f"node in scenario {self.id!r}:")

    @property
    def endings(self) -> tuple[Node, ...]:
        return tuple(n for n in self.node if n.is_ending)

    def paths(self) -> list[tuple[str, ...]]:
        """Every path from the start to an ending, as node ids."""
        found: list[tuple[str, ...]] = []

        def walk(node_id: str, trail: tuple[str, ...]) -> None:
            node = self.get(node_id)
            trail = (*trail, node_id)
            if node.is_ending:
                found.append(trail)
            for choice in node.choice:
                walk(choice.next, trail)

        walk(self.start, ())
        return found


def _build_node(raw: object, where: str) -> Node:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: expected a table")
    raw = dict(raw)
    choices = raw.pop("choice", [])
    if not isinstance(choices, list):
        raise ScenarioError(f"{where}.choice: expected [[node.choice]] tables")
    node = build(Node, raw, where, skip=("choice",))
    built = tuple(build(Choice, c, f"{where}.choice[{i}]") for i, c in enumerate(choices))
    return Node(**{**node.__dict__, "choice": built})


def parse_scenario(path: Path, raw: dict[str, Any] | None = None) -> Scenario:
    """Read one scenario file and check it against the schema (not yet the story).

    ``raw`` is the file's data where the caller has read it already.
    """
    where = path.name
    raw = dict(read_toml(path, ScenarioError) if raw is None else raw)
    nodes = raw.pop("node", None)
    if not isinstance(nodes, list) or not nodes:
        raise ScenarioError(f"{where}: needs [[node]] tables")
    try:
        head = build(Scenario, raw, where, skip=("node",))
        built = tuple(_build_node(n, f"{where} node[{i}]") for i, n in enumerate(nodes))
    except ScenarioError:
        raise
    except ContentError as exc:
        raise ScenarioError(str(exc)) from None
    return Scenario(**{**head.__dict__, "node": built})


def check_scenario(scenario: Scenario, course: Course, *, file_stem: str | None = None) -> None:
    """Check that a scenario is a playable story tied to the course; raise ScenarioError."""
    where = f"{scenario.id}.toml"

    def fail(message: str) -> None:
        raise ScenarioError(f"{where}: {message}")

    if not SCENARIO_ID.match(scenario.id):
        fail(f"id {scenario.id!r} is not lower-case-with-hyphens")
    if file_stem is not None and file_stem != scenario.id:
        fail(f"the file is named {file_stem}.toml but the scenario's id is {scenario.id!r}")
    domain_keys = {d.key for d in course.domains}
    stage_keys = {s.key for s in course.stages}
    prompt_ids = {p.id for p in course.prompts}
    source_ids = course.source_ids()
    for key in scenario.domains:
        if key not in domain_keys:
            fail(f"domains: no domain {key!r}")
    for key in scenario.stages:
        if key not in stage_keys:
            fail(f"stages: no stage {key!r}")
    if len(set(scenario.domains)) != len(scenario.domains):
        fail("domains: a domain is named twice")
    for item in scenario.sources:
        if not SOURCE_ID.match(item):
            fail(f"sources: {item!r} is not a source item id")
        if item not in source_ids:
            fail(f"sources: {item!r} is carried by no prompt of the course")

    ids = [n.id for n in scenario.node]
    if len(set(ids)) != len(ids):
        fail("two nodes share an id")
    known = set(ids)
    if scenario.start not in known:
        fail(f"start: no node {scenario.start!r}")
    for node in scenario.node:
        here = f"node {node.id!r}"
        if not SCENARIO_ID.match(node.id):
            fail(f"{here}: id is not lower-case-with-hyphens")
        for paragraph in node.paragraphs("text") + node.paragraphs("debrief"):
            if len(paragraph.split()) > MAX_PARAGRAPH_WORDS:
                fail(f"{here}: a paragraph is longer than {MAX_PARAGRAPH_WORDS} words")
        if node.is_ending:
            if node.choice:
                fail(f"{here}: an ending offers no choices")
            if not node.debrief:
                fail(f"{here}: an ending needs a debrief")
            if not node.prompts:
                fail(f"{here}: an ending names the prompts to take further")
            for prompt in node.prompts:
                if prompt not in prompt_ids:
                    fail(f"{here}: no course prompt {prompt!r}")
        else:
            if node.debrief or node.prompts:
                fail(f"{here}: only an ending has a debrief and prompts")
            if not 2 <= len(node.choice) <= 4:
                fail(f"{here}: a decision offers two to four choices")
            for choice in node.choice:
                if choice.next not in known:
                    fail(f"{here}: choice {choice.label!r} leads to no node {choice.next!r}")
            if len({c.next for c in node.choice}) != len(node.choice):
                fail(f"{here}: two choices lead to the same node")

    # Every path ends: the story has no loops (walk depth-first, colouring nodes).
    state: dict[str, int] = {}

    def visit(node_id: str) -> None:
        state[node_id] = 1
        for choice in scenario.get(node_id).choice:
            if state.get(choice.next) == 1:
                fail(f"node {choice.next!r} can be reached again from itself: a path never ends")
            if choice.next not in state:
                visit(choice.next)
        state[node_id] = 2

    visit(scenario.start)
    unreachable = known - set(state)
    if unreachable:
        fail(f"node(s) {', '.join(sorted(unreachable))} cannot be reached from the start")
    if len(scenario.endings) < MIN_ENDINGS:
        fail(f"a scenario has at least {MIN_ENDINGS} endings")
    for path in scenario.paths():
        decisions = sum(1 for n in path if not scenario.get(n).is_ending)
        if decisions < MIN_DECISIONS_ON_EVERY_PATH:
            fail(
                f"the path {' > '.join(path)} has {decisions} decision(s); every path has at "
                f"least {MIN_DECISIONS_ON_EVERY_PATH}"
            )


def exercises_dir() -> Path:
    """The scenario files: inside the installed package, or beside it in a checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_exercises", package.parent / "exercises"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the scenario exercises could not be found")


def parse_all(folder: Path, course: Course) -> tuple[Scenario, ...]:
    scenarios = []
    for path in sorted(folder.glob("*.toml")):
        scenario = parse_scenario(path)
        check_scenario(scenario, course, file_stem=path.stem)
        scenarios.append(scenario)
    return tuple(scenarios)


@cache
def load_scenarios() -> tuple[Scenario, ...]:
    """Every scenario of the course, checked, in file-name order."""
    return parse_all(exercises_dir(), load_course())


@cache
def scenarios_for(domain: str) -> tuple[Scenario, ...]:
    """The scenarios a domain's module offers (those whose first domain it is), checked, in
    file-name order: what :func:`load_scenarios` gives for that domain.

    A module's page needs only its own scenarios, so the others are read (from the
    parsed-content cache) but not built or checked; a file that does not say plainly which
    domain it belongs to is built and checked, so that its mistake is reported. A later process
    whose scenario files, course and checking code are all unchanged takes them as they were
    checked (:func:`~.schema.kept_checked`).
    """
    if load_scenarios.cache_info().currsize:
        return tuple(s for s in load_scenarios() if s.domain == domain)
    folder = exercises_dir()
    files = [
        *sorted(folder.glob("*.toml")),
        *course_files(content_root()),
        Path(__file__),
    ]
    return kept_checked(
        f"scenarios for {domain}",
        files,
        tuple[Scenario, ...],
        lambda: _check_scenarios_for(domain, folder),
    )


def _check_scenarios_for(domain: str, folder: Path) -> tuple[Scenario, ...]:
    course = load_course()
    found = []
    for path in sorted(folder.glob("*.toml")):
        raw = read_toml(path, ScenarioError)
        domains = raw.get("domains")
        if isinstance(domains, list) and domains and isinstance(domains[0], str):
            if domains[0] != domain:
                continue
        scenario = parse_scenario(path, raw)
        check_scenario(scenario, course, file_stem=path.stem)
        if scenario.domain == domain:
            found.append(scenario)
    return tuple(found)


def main(argv: list[str]) -> int:
    course = load_course()
    status = 0
    for name in argv or [str(p) for p in sorted(exercises_dir().glob("*.toml"))]:
        path = Path(name)
        try:
            scenario = parse_scenario(path)
            check_scenario(scenario, course, file_stem=path.stem)
        except ScenarioError as exc:
            print(f"FAIL {exc}")
            status = 1
        else:
            paths = scenario.paths()
            print(
                f"ok   {path.name}: {len(scenario.node)} nodes, {len(scenario.endings)} endings, "
                f"{len(paths)} paths"
            )
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
