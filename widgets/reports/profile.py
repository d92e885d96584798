"""The secure-base profile: the self-assessment across five domains and four stages.

One picture (a 5 × 4 heat map drawn as SVG by the course itself) with a text table beside it
that carries the same information for screen readers and print. Every cell shows its number as
well as its colour, and a cell with no answers is hatched and says so: it never looks like a
zero. A learner can start a new attempt later and compare the latest with an earlier one, with
dates and the cells that moved.

Why no plotting library: the picture is twenty rectangles with numbers. Drawing them directly
costs nothing at page load, while matplotlib (the natural choice) adds about half a second and
tens of megabytes to every kernel that shows the closing page; measured figures are in the
closing note of the issue that introduced this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from statistics import mean

from ..content import Course
from ..controls import long_date_time
from ..journal import Journal

__all__ = ["Cell", "moved", "profile", "profile_svg", "profile_table", "when_started"]

#: Fill colours for the five bands of the scale (light to dark), readable with dark or light text.
BANDS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]
INK = ["#1b1b1b", "#1b1b1b", "#1b1b1b", "#ffffff", "#ffffff"]


@dataclass(frozen=True)
class Cell:
    domain: str
    stage: str
    #: Mean of the scored answers (0-4), or None when nothing scored was given.
    score: float | None
    answered: int
    unsure: int
    total: int

    @property
    def label(self) -> str:
        if self.score is not None:
            return f"{self.score:.1f}"
        return "not sure" if self.unsure else "no rating"


def profile(journal: Journal, course: Course, attempt: str | None) -> dict[tuple[str, str], Cell]:
    """The 5 × 4 cells of one attempt."""
    ratings = journal.ratings(attempt) if attempt else {}
    scores = {lv.key: lv.score for lv in course.scale}
    cells = {}
    for domain in course.domains:
        for stage in course.stages:
            statements = course.statements_for(domain.key, stage.key)
            given = [ratings[s.id] for s in statements if ratings.get(s.id) in scores]
            scored = [score for g in given if (score := scores[g]) is not None]
            cells[(domain.key, stage.key)] = Cell(
                domain.key,
                stage.key,
                round(mean(scored), 2) if scored else None,
                len(given),
                len(given) - len(scored),
                len(statements),
            )
    return cells


_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _band(score: float) -> int:
    return min(4, int(round(score)))


def profile_svg(cells: dict[tuple[str, str], Cell], course: Course, when: str) -> str:
    left, top, width, height = 150, 58, 118, 46
    # As tall as the domains drawn: a copy that leaves domains out has no empty rows.
    tall = top + height * len(course.domains) + 57
    domains = _NUMBERS.get(len(course.domains), str(len(course.domains)))
    stages = _NUMBERS.get(len(course.stages), str(len(course.stages)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 {tall}" role="img" '
        'aria-labelledby="sb-profile-title sb-profile-desc" focusable="false">',
        '<title id="sb-profile-title">Your team\u2019s secure-base profile</title>',
        f'<desc id="sb-profile-desc">A grid of the {domains} domain'
        f"{'' if len(course.domains) == 1 else 's'} by the {stages} stages, from your "
        f"self-assessment of {escape(when)}. The table that follows gives every value.</desc>",
        '<defs><pattern id="sb-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#8a8a8a" '
        'stroke-width="2"/></pattern></defs>',
    ]
    for j, stage in enumerate(course.stages):
        x = left + j * width + width / 2
        for k, word in enumerate(_two_lines(stage.title)):
            parts.append(
                f'<text x="{x:.0f}" y="{22 + k * 16}" text-anchor="middle" font-size="13" '
                f'font-weight="700" fill="#1b1b1b">{escape(word)}</text>'
            )
    for i, domain in enumerate(course.domains):
        y = top + i * height
        parts.append(
            f'<text x="{left - 10}" y="{y + height / 2 + 5:.0f}" text-anchor="end" '
            f'font-size="14" font-weight="700" fill="#1b1b1b">{escape(domain.title)}</text>'
        )
        for j, stage in enumerate(course.stages):
            cell = cells[(domain.key, stage.key)]
            x = left + j * width
            if cell.score is None:
                fill, ink = "url(#sb-hatch)", "#1b1b1b"
            else:
                fill, ink = BANDS[_band(cell.score)], INK[_band(cell.score)]
            parts.append(
                f'<rect x="{x + 2}" y="{y + 2}" width="{width - 4}" height="{height - 4}" '
                f'fill="{fill}" stroke="#5a6a70" stroke-width="1"/>'
            )
            if cell.score is None:
                parts.append(
                    f'<rect x="{x + 12}" y="{y + 13}" width="{width - 24}" height="20" '
                    'fill="#ffffff"/>'
                )
            size = 14 if cell.score is not None else 12
            parts.append(
                f'<text x="{x + width / 2:.0f}" y="{y + height / 2 + 5:.0f}" text-anchor="middle" '
                f'font-size="{size}" font-weight="700" fill="{ink}">{escape(cell.label)}</text>'
            )
    foot = top + len(course.domains) * height
    parts.append(
        f'<text x="{left}" y="{foot + 22}" font-size="12" fill="#1b1b1b">'
        "Numbers run from 0 (not yet) to 4 (well established); darker is further along."
        f'</text><text x="{left}" y="{foot + 38}" font-size="12" fill="#1b1b1b">'
        "Hatched squares have no rating.</text></svg>"
    )
    return "".join(parts)


def _two_lines(title: str) -> list[str]:
    words = title.split()
    if len(words) < 2:
        return words
    return [words[0], " ".join(words[1:])]


def profile_table(
    cells: dict[tuple[str, str], Cell],
    course: Course,
    when: str,
    earlier: dict[tuple[str, str], Cell] | None = None,
    earlier_when: str = "",
) -> str:
    head = "".join(f'<th scope="col">{escape(s.title)}</th>' for s in course.stages)
    rows = []
    for domain in course.domains:
        tds = []
        for stage in course.stages:
            cell = cells[(domain.key, stage.key)]
            if cell.score is not None:
                text = f"{cell.score:.1f} of 4 ({cell.answered} of {cell.total} answered)"
            elif cell.unsure:
                text = f"Not sure ({cell.unsure} of {cell.total})"
            else:
                text = "Not answered"
            if earlier is not None:
                before = earlier[(domain.key, stage.key)]
                text += f"; was {_describe(before)}"
            tds.append(f"<td>{escape(text)}</td>")
        rows.append(f'<tr><th scope="row">{escape(domain.title)}</th>{"".join(tds)}</tr>')
    caption = f"Your secure-base profile, {escape(when)}"
    if earlier is not None:
        caption += f", compared with {escape(earlier_when)}"
    return (
        f'<table class="sb-profile-table"><caption>{caption}</caption><thead><tr>'
        f"<td></td>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _describe(cell: Cell) -> str:
    return f"{cell.score:.1f}" if cell.score is not None else cell.label


def moved(
    cells: dict[tuple[str, str], Cell], earlier: dict[tuple[str, str], Cell], course: Course
) -> list[str]:
    """Plain sentences for the cells whose value changed between two attempts."""
    found = []
    for domain in course.domains:
        for stage in course.stages:
            now, before = cells[(domain.key, stage.key)], earlier[(domain.key, stage.key)]
            if now.score is None or before.score is None or abs(now.score - before.score) < 0.05:
                continue
            direction = "up" if now.score > before.score else "down"
            found.append(
                f"{domain.title}, {course.stage(stage.key).title.lower()}: {direction} from "
                f"{before.score:.1f} to {now.score:.1f}"
            )
    return found


def when_started(started: str) -> str:
    """When an attempt started, in the learner's time: ``2 December 2026, 14:05``."""
    return long_date_time(datetime.fromisoformat(started).astimezone())
