"""The learner's CPD record: what the course knows to fill in, what the learner has written that
they may draw on, and the record as plain text and as a printable page.

The course fills in only facts (the activity, the modules done, the dates). It never writes the
learning: beside the fields for what was learnt and its impact it shows the learner's own
reflections, actions and scenario debriefs, for them to draw on in their own words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .. import __version__
from ..content import Course, Scenario
from ..content.cpd import CpdText, load_cpd
from ..controls import long_date
from ..journal import Journal
from .clean import printable
from .templates import template_environment

__all__ = [
    "Reminder",
    "course_activity",
    "cpd_filename",
    "cpd_page_html",
    "cpd_records",
    "cpd_text",
    "modules_worked_on",
    "reminders",
]


@dataclass(frozen=True)
class Reminder:
    """Something the learner wrote, shown beside a field to draw on: where it is from, and what."""

    source: str
    text: str


def modules_worked_on(course: Course, journal: Journal) -> list[str]:
    """The domain modules the learner has written in, rated, played or planned in, in order."""
    touched: set[str] = set()
    for prompt_id in journal.reflections():
        touched.add(prompt_id.split(".", 1)[0])
    for attempt, _started in journal.attempts():
        touched.update(s.split(".", 1)[0] for s in journal.ratings(attempt))
    touched.update(a.get("domain", "") for _id, a in journal.actions())
    return [course.module_for(d.key).title for d in course.domains if d.key in touched]


def _dates(journal: Journal) -> str:
    stamps = sorted(entry.updated for key in journal if (entry := journal.get(key)) is not None)
    if not stamps:
        return long_date(datetime.now())
    first = long_date(datetime.fromisoformat(stamps[0]).astimezone())
    last = long_date(datetime.fromisoformat(stamps[-1]).astimezone())
    return first if first == last else f"From {first} to {last}"


def course_activity(course: Course, journal: Journal) -> dict[str, str]:
    """What the course can fill in for a new piece of CPD: facts only, for the learner to edit."""
    modules = modules_worked_on(course, journal)
    worked = f" I worked through the modules on {_in_a_sentence(modules)}." if modules else ""
    source = course.source
    return {
        "type": "Online course, with reflection on my practice as a supervisor",
        "activity": (
            f"{course.title}: a reflective course for practice supervisors whose teams work "
            f"online or hybrid, built on the practice tool {source.title} ({source.surnames}, "
            f"{source.institution}).{worked}"
        ),
        "date": _dates(journal),
    }


def _in_a_sentence(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def reminders(
    course: Course, journal: Journal, scenarios: Iterable[Scenario]
) -> dict[str, list[Reminder]]:
    """What the learner has written, by the CPD field it may help with."""
    reflections = journal.reflections()
    learnt = [
        Reminder(course.prompt(pid).text, entry.value)
        for pid, entry in sorted(reflections.items(), key=lambda item: item[1].updated)
        if _known_prompt(course, pid)
    ][-6:]
    for scenario in scenarios:
        record = journal.scenario(scenario.id)
        for ending_id in (record or {}).get("endings", []):
            node = next((n for n in scenario.endings if n.id == ending_id), None)
            if node is not None and node.debrief:
                learnt.append(Reminder(f"Scenario: {scenario.title}, {node.ending}", node.debrief))
    impact = [
        Reminder(
            "Action" + (" (done)" if action["done"] else ""),
            " ".join(
                part
                for part in (
                    action["what"],
                    f"With {action['who']}." if action["who"] else "",
                    f"By {action['by']}." if action["by"] else "",
                    f"I will know it has worked when {action['measure']}"
                    if action["measure"]
                    else "",
                )
                if part
            ),
        )
        for _id, action in journal.actions()
    ]
    return {"learnt": learnt, "impact": impact}


def _known_prompt(course: Course, prompt_id: str) -> bool:
    try:
        course.prompt(prompt_id)
    except KeyError:
        return False
    return True


def _records(journal: Journal, text: CpdText) -> list[list[tuple[str, str]]]:
    return [
        [(f.label, printable(record[f.key])) for f in text.field]
        for _id, record in journal.cpd_entries()
    ]


def cpd_records(journal: Journal) -> list[list[tuple[str, str]]]:
    """Each piece of CPD as (label, text) pairs, in the order of Social Work England's form."""
    return _records(journal, load_cpd())


def cpd_text(journal: Journal, now: datetime | None = None) -> str:
    """The CPD record as plain text, each field under its label, ready to paste from."""
    text = load_cpd()
    lines = [
        "My CPD record, drafted in the course Team as a Secure Base",
        f"Written out on {long_date(now or datetime.now())}.",
        "",
        text.disclaimer,
    ]
    for number, fields in enumerate(_records(journal, text), start=1):
        lines += ["", "=" * 60, f"Piece of CPD {number}", "=" * 60]
        for label, value in fields:
            lines += ["", label, "-" * min(len(label), 60), value.strip() or "(not written yet)"]
    if len(lines) == 4:
        lines += ["", "You have not drafted any CPD yet."]
    return "\n".join(lines) + "\n"


def cpd_page_html(course: Course, journal: Journal, now: datetime | None = None) -> str:
    """The CPD record as one self-contained page to read, keep or print."""
    text = load_cpd()
    return (
        template_environment()
        .get_template("cpd.html.j2")
        .render(
            course=course,
            text=text,
            records=_records(journal, text),
            written_on=long_date(now or datetime.now()),
            version=__version__,
        )
    )


def cpd_filename(extension: str, now: datetime | None = None) -> str:
    return f"secure-base-cpd-{(now or datetime.now()):%Y-%m-%d}.{extension}"
