"""Where a learner is in a scenario: the path taken so far, with choose, back and restart, and
the endings reached. Plain Python (no widgets), kept in the journal as a scenario record, and
read by the scenario player, the closing page and the export alike.
"""

from __future__ import annotations

from typing import Any

from ..content import Node, Scenario

__all__ = ["ScenarioRun", "scenario_status"]


class ScenarioRun:
    """Where a learner is in one scenario: the nodes visited, from the start."""

    def __init__(self, scenario: Scenario, record: dict[str, Any] | None = None):
        self.scenario = scenario
        self.path: list[str] = [scenario.start]
        self.endings: list[str] = []
        if record:
            self._resume(record)

    def _resume(self, record: dict[str, Any]) -> None:
        """Follow a saved path as far as it is still valid for this scenario."""
        path = [self.scenario.start]
        for step in record.get("path", [])[1:]:
            if step not in {c.next for c in self.scenario.get(path[-1]).choice}:
                break
            path.append(step)
        self.path = path
        known = {n.id for n in self.scenario.endings}
        self.endings = [e for e in record.get("endings", []) if e in known]

    @property
    def node(self) -> Node:
        return self.scenario.get(self.path[-1])

    @property
    def ended(self) -> bool:
        return self.node.is_ending

    @property
    def decisions(self) -> int:
        return len(self.path) - 1

    def choose(self, index: int) -> Node:
        """Take choice ``index`` of the current step; anything not on offer is refused."""
        choices = self.node.choice
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(choices):
            raise ValueError(f"there is no choice {index!r} at this point of the scenario")
        self.path.append(choices[index].next)
        if self.ended and self.node.id not in self.endings:
            self.endings.append(self.node.id)
        return self.node

    def back(self) -> Node:
        if len(self.path) > 1:
            self.path.pop()
        return self.node

    def restart(self) -> Node:
        self.path = [self.scenario.start]
        return self.node

    def record(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "ending": self.node.id if self.ended else None,
            "endings": list(self.endings),
        }

    def choices_made(self) -> list[str]:
        """The labels of the choices taken so far, in order."""
        made = []
        for here, there in zip(self.path, self.path[1:], strict=False):
            made.append(next(c.label for c in self.scenario.get(here).choice if c.next == there))
        return made


def scenario_status(scenario: Scenario, record: dict[str, Any] | None) -> str:
    """A plain status for lists: not started, in progress, or the endings reached."""
    if not record or (len(record["path"]) <= 1 and not record["endings"]):
        return "Not started"
    known = {n.id for n in scenario.endings}
    titles = [scenario.get(e).ending for e in record["endings"] if e in known]
    if titles:
        reached = "; ".join(t for t in titles if t)
        return f"Done, ending{'s' if len(titles) > 1 else ''} reached: {reached}"
    return "In progress"
