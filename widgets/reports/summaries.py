"""Everything the learner has written, and the scenarios they have played, as HTML for the
closing page. Learner text is escaped here, before it goes near a page.
"""

from __future__ import annotations

from html import escape

from ..content import Course, load_scenarios
from ..controls.links import page_href
from ..journal import Journal
from .runs import scenario_status

__all__ = ["scenarios_summary_html", "summary_html"]


def scenarios_summary_html(journal: Journal) -> str:
    """The scenarios the learner has played, with the endings reached."""
    rows = []
    for scenario in load_scenarios():
        record = journal.scenario(scenario.id)
        if record is None:
            continue
        rows.append(
            f"<li><strong>{escape(scenario.title)}</strong>: "
            f"{escape(scenario_status(scenario, record))}</li>"
        )
    if not rows:
        return (
            "<p class='sb-summary-empty'>You have not played any scenarios yet. Each domain "
            "module offers scenarios from online and hybrid practice.</p>"
        )
    return f"<ul class='sb-scenarios-done'>{''.join(rows)}</ul>"


def summary_html(course: Course, journal: Journal) -> str:
    written = journal.reflections()
    if not written:
        return (
            '<p class="sb-summary-empty">You have not written any reflections yet. They will '
            "appear here, by domain and stage, as you work through the modules.</p>"
        )
    parts = [
        f'<p class="sb-summary-count">You have written {len(written)} reflection'
        f"{'' if len(written) == 1 else 's'} so far.</p>"
    ]
    for domain in course.domains:
        module = course.module_for(domain.key)
        blocks = []
        for stage in course.stages:
            answers = [
                f'<p class="sb-summary-prompt">{escape(p.text)}</p>'
                f'<div class="sb-summary-answer">{escape(written[p.id].value)}</div>'
                for p in course.prompts_for(domain.key, stage.key)
                if p.id in written
            ]
            if answers:
                blocks.append(f"<h4>{escape(stage.title)}</h4>{''.join(answers)}")
        body = (
            "".join(blocks)
            if blocks
            else f'<p>Nothing written yet. <a href="{page_href(module.file)}" target="_self">'
            f"Go to {escape(domain.title)}</a>.</p>"
        )
        parts.append(
            f'<section class="sb-summary-domain"><h3>{escape(domain.title)}</h3>{body}</section>'
        )
    return "".join(parts)
