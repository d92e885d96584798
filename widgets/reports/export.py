"""The learner's journal as one web page they can keep, print or share.

Made from the journal (not from what widgets show), with a template of the course's own in
which Jinja escapes everything by default: learner text can never become markup. The page is
self-contained: its styles are inline, it loads nothing from anywhere, and it has a print
stylesheet. Learners choose what goes in (for example, leaving out a domain before sharing the
file with a manager).

Jinja is imported only when a learner exports, so pages that never export do not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .. import __version__
from ..content import Course, Domain, Node, Prompt, Scenario, Stage
from ..journal import Journal
from .runs import ScenarioRun
from .templates import template_environment

__all__ = ["ExportChoice", "export_filename", "export_html"]


@dataclass(frozen=True)
class ExportChoice:
    """What the learner asked to include."""

    domains: frozenset[str]
    scenarios: bool = True

    @classmethod
    def everything(cls, course: Course) -> ExportChoice:
        return cls(frozenset(d.key for d in course.domains), True)


@dataclass(frozen=True)
class _Answer:
    prompt: Prompt
    text: str


@dataclass(frozen=True)
class _StagePart:
    stage: Stage
    answers: list[_Answer]


@dataclass(frozen=True)
class _DomainPart:
    domain: Domain
    stages: list[_StagePart]
    #: The latest self-assessment: (statement text, the level's label), in course order.
    ratings: list[tuple[str, str]]


@dataclass(frozen=True)
class _Played:
    scenario: Scenario
    choices: list[str]
    ending: Node | None
    endings: list[str]


def export_html(
    journal: Journal,
    course: Course,
    scenarios: Iterable[Scenario],
    choice: ExportChoice | None = None,
    now: datetime | None = None,
) -> str:
    """The journal as a self-contained HTML page, with what ``choice`` includes."""
    choice = choice or ExportChoice.everything(course)
    unknown = choice.domains - {d.key for d in course.domains}
    if unknown:
        raise ValueError(f"no domain(s) {', '.join(sorted(unknown))}")
    written = journal.reflections()
    attempts = journal.attempts()
    latest = journal.ratings(attempts[-1][0]) if attempts else {}
    levels = {lv.key: lv.label for lv in course.scale}
    domains = []
    count = 0
    for domain in course.domains:
        if domain.key not in choice.domains:
            continue
        stages = []
        for stage in course.stages:
            answers = [
                _Answer(p, written[p.id].value)
                for p in course.prompts_for(domain.key, stage.key)
                if p.id in written
            ]
            count += len(answers)
            if answers:
                stages.append(_StagePart(stage, answers))
        ratings = [
            (st.text, levels[latest[st.id]])
            for st in course.statements_for(domain.key)
            if latest.get(st.id) in levels
        ]
        domains.append(_DomainPart(domain, stages, ratings))
    played = None
    if choice.scenarios:
        played = []
        for scenario in scenarios:
            record = journal.scenario(scenario.id)
            if record is None:
                continue
            run = ScenarioRun(scenario, record)
            played.append(
                _Played(
                    scenario,
                    run.choices_made(),
                    run.node if run.ended else None,
                    [scenario.get(e).ending or "" for e in run.endings],
                )
            )
    when = now or datetime.now().astimezone()
    moment = f"{when.day} {when:%B %Y}"
    rated_on = ""
    if attempts:
        started = datetime.fromisoformat(attempts[-1][1]).astimezone()
        rated_on = f"{started.day} {started:%B %Y}"
    summary = f"{count} reflection{'s' if count != 1 else ''}"
    if played is not None:
        summary += f" and {len(played)} scenario{'s' if len(played) != 1 else ''}"
    left_out = [d.title for d in course.domains if d.key not in choice.domains]
    if left_out:
        summary += f"; left out: {', '.join(left_out)}"
    actions = [
        {
            **action,
            "where": f"{course.domain(action['domain']).title}, "
            f"{course.stage(action['stage']).title.lower()}",
        }
        for _, action in journal.actions()
        if action["domain"] in choice.domains
    ]
    return (
        template_environment()
        .get_template("journal.html.j2")
        .render(
            course=course,
            version=__version__,
            generated_on=moment,
            count_summary=summary + ".",
            domains=domains,
            scenarios=played,
            rated_on=rated_on,
            actions=actions,
        )
    )


def export_filename(now: datetime | None = None) -> str:
    return f"secure-base-journal-{(now or datetime.now()).strftime('%Y-%m-%d')}.html"
