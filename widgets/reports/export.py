"""The learner's journal as one web page they can keep, print or share.

Made from the journal (not from what widgets show), with a template of the course's own in
which Jinja escapes everything by default: learner text can never become markup. The page is
self-contained: its styles are inline, it loads nothing from anywhere, and it has a print
stylesheet. It holds the whole picture, in the order of the closing page: the team's profile
(with how it moved since the previous self-assessment), the action plan, everything written in
each domain with its latest ratings, and each scenario played with its debriefs. Learners
choose what goes in (for example, leaving out a domain, or the profile, before sharing the file
with a manager).

The contents list and the page are drawn from one list of sections, so they cannot disagree.
Characters that HTML forbids (most control characters, lone surrogates, noncharacters) are
dropped from the page in one place, :func:`_html_safe`; the journal keeps the learner's exact
text.

Jinja is imported only when a learner exports, so pages that never export do not pay for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import __version__
from ..content import Course, Domain, Node, Prompt, Scenario, Stage
from ..journal import Entry, Journal
from .clean import printable
from .cpd import cpd_records
from .profile import moved, profile, profile_svg, profile_table, when_started
from .runs import ScenarioRun
from .templates import template_environment

__all__ = ["ExportChoice", "export_filename", "export_html"]


@dataclass(frozen=True)
class ExportChoice:
    """What the learner asked to include. Everything is in unless they leave it out.

    ``domains`` are the domains whose reflections, ratings, actions and profile rows go in;
    the other flags are whole parts of the page. ``ExportChoice(domains, scenarios)`` still
    means what it always did.
    """

    domains: frozenset[str]
    scenarios: bool = True
    profile: bool = True
    actions: bool = True
    cpd: bool = True

    @classmethod
    def everything(cls, course: Course) -> ExportChoice:
        return cls(frozenset(d.key for d in course.domains))

    @property
    def anything(self) -> bool:
        """Whether anything at all is left in."""
        return bool(self.domains) or self.scenarios or self.profile or self.actions or self.cpd


@dataclass(frozen=True)
class _Section:
    """One section of the page: its anchor, its name in the contents list, and what it shows.

    ``kind`` names the template block that draws it: "profile", "actions", "domain",
    "scenarios", "cpd".
    """

    id: str
    title: str
    kind: str
    content: Any


@dataclass(frozen=True)
class _Profile:
    #: The picture and the table, drawn (and escaped) by :mod:`widgets.reports.profile`; empty
    #: when the learner has not rated anything yet.
    svg: str
    table: str
    #: Sentences for the cells that moved since the previous self-assessment; None when there
    #: is no previous one to compare with.
    moved: list[str] | None
    earlier_when: str
    #: Titles of the domains left out of this copy (their rows are not drawn).
    left_out: list[str]


@dataclass(frozen=True)
class _Actions:
    actions: list[dict[str, Any]]
    #: How many actions the plan holds in the domains left out of this copy.
    hidden: int


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
class _PromptLink:
    """A prompt an ending points to, linked to the learner's answer when it is on the page."""

    prompt: Prompt
    #: "Availability, general considerations": where the prompt is in the course.
    where: str
    #: The anchor of the learner's answer on this page, or None.
    anchor: str | None
    #: Why there is no link: "not answered yet" or "left out of this copy" (else "").
    note: str


@dataclass(frozen=True)
class _Ending:
    node: Node
    prompts: list[_PromptLink]


@dataclass(frozen=True)
class _Played:
    scenario: Scenario
    #: "Sensitivity, Acceptance (fine tuning, sustaining practice)": what the scenario is about.
    stakes: str
    choices: list[str]
    #: The ending the learner's path stops at, if it stops at one.
    ending: _Ending | None
    #: Endings reached on other paths, in the order they were reached.
    others: list[_Ending]
    endings: list[str]


def _html_safe(page: str) -> str:
    """The page without the characters HTML forbids: every learner string passes through here
    once, as part of the whole page (the course's own text holds none)."""
    return printable(page)


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
        shown = {a.prompt.id for part in domains for s in part.stages for a in s.answers}
        played = [
            _played(scenario, record, course, written, shown)
            for scenario in scenarios
            if (record := journal.scenario(scenario.id)) is not None
        ]
    left_out = [d.title for d in course.domains if d.key not in choice.domains]

    # The page's sections, in order: the contents list and the page are both drawn from this.
    sections: list[_Section] = []
    if choice.profile:
        sections.append(
            _Section("profile", "Your team's profile", "profile", _profile(journal, course, choice))
        )
    if choice.actions:
        everything = journal.actions()
        actions = [
            {
                **action,
                "where": f"{course.domain(action['domain']).title}, "
                f"{course.stage(action['stage']).title.lower()}",
            }
            for _, action in everything
            if action["domain"] in choice.domains
        ]
        sections.append(
            _Section(
                "actions",
                "Your action plan",
                "actions",
                _Actions(actions, len(everything) - len(actions)),
            )
        )
    sections.extend(_Section(p.domain.key, p.domain.title, "domain", p) for p in domains)
    if played is not None:
        sections.append(_Section("scenarios", "Scenarios you played", "scenarios", played))
    if choice.cpd:
        # After the scenarios, as on the closing page: each piece, field by field.
        sections.append(_Section("cpd", "Your CPD record", "cpd", cpd_records(journal)))

    when = now or datetime.now().astimezone()
    moment = f"{when.day} {when:%B %Y}"
    rated_on = ""
    if attempts:
        started = datetime.fromisoformat(attempts[-1][1]).astimezone()
        rated_on = f"{started.day} {started:%B %Y}"
    summary = f"{count} reflection{'s' if count != 1 else ''}"
    if played is not None:
        summary += f" and {len(played)} scenario{'s' if len(played) != 1 else ''}"
    parts_out = [
        *(["the profile"] if not choice.profile else []),
        *(["the action plan"] if not choice.actions else []),
        *left_out,
        *(["the scenarios"] if not choice.scenarios else []),
        *(["the CPD record"] if not choice.cpd else []),
    ]
    if parts_out:
        summary += f"; left out: {', '.join(parts_out)}"
    page = (
        template_environment()
        .get_template("journal.html.j2")
        .render(
            course=course,
            version=__version__,
            generated_on=moment,
            count_summary=summary + ".",
            sections=sections,
            rated_on=rated_on,
        )
    )
    return _html_safe(page)


def _profile(journal: Journal, course: Course, choice: ExportChoice) -> _Profile:
    """The profile as the closing page draws it, compared with the previous self-assessment.

    Only the domains in the export are drawn: a domain left out keeps its ratings private.
    """
    left_out = [d.title for d in course.domains if d.key not in choice.domains]
    attempts = journal.attempts()
    if not attempts or not choice.domains:
        return _Profile("", "", None, "", left_out)
    shown = dataclasses.replace(
        course, domains=tuple(d for d in course.domains if d.key in choice.domains)
    )
    latest, started = attempts[-1]
    when = when_started(started)
    cells = profile(journal, shown, latest)
    earlier = changes = None
    earlier_when = ""
    if len(attempts) > 1:
        before, before_started = attempts[-2]
        earlier = profile(journal, shown, before)
        earlier_when = when_started(before_started)
        changes = moved(cells, earlier, shown)
    return _Profile(
        profile_svg(cells, shown, when),
        profile_table(cells, shown, when, earlier, earlier_when),
        changes,
        earlier_when,
        left_out,
    )


def _played(
    scenario: Scenario,
    record: dict[str, Any],
    course: Course,
    written: dict[str, Entry],
    shown: set[str],
) -> _Played:
    """A scenario as the learner left it, with the debrief of every ending they reached."""
    run = ScenarioRun(scenario, record)

    def ending(node: Node) -> _Ending:
        links = []
        for prompt_id in node.prompts:
            prompt = course.prompt(prompt_id)
            where = (
                f"{course.module_for(prompt.domain).title}, "
                f"{course.stage(prompt.stage).title.lower()}"
            )
            if prompt.id in shown:
                links.append(_PromptLink(prompt, where, f"prompt-{prompt.id}", ""))
            else:
                note = "left out of this copy" if prompt.id in written else "not answered yet"
                links.append(_PromptLink(prompt, where, None, note))
        return _Ending(node, links)

    here = run.node if run.ended else None
    domains = ", ".join(course.domain(d).title for d in scenario.domains)
    stages = ", ".join(course.stage(s).title.lower() for s in scenario.stages)
    return _Played(
        scenario,
        f"{domains} ({stages})",
        run.choices_made(),
        ending(here) if here is not None else None,
        [ending(scenario.get(e)) for e in run.endings if here is None or e != here.id],
        [scenario.get(e).ending or "" for e in run.endings],
    )


def export_filename(now: datetime | None = None) -> str:
    return f"secure-base-journal-{(now or datetime.now()).strftime('%Y-%m-%d')}.html"
