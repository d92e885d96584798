"""The facilitator's kit, written to a folder: slides, a printable session plan, prompt cards.

- ``slides.html`` (with ``reveal.js/`` beside it): the session plan notebook as reveal.js slides,
  made with nbconvert and a template of the course's own that loads nothing from the network.
  Press S in the slides for the speaker view with the facilitator's notes.
- ``session-plan.html``: the same notebook as one page to read or print, notes included.
- ``prompt-cards.html``: one card for each of the course's prompts, by domain and stage, laid out
  to print on A4 (eight cards to a sheet) and cut up for group work.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

from .. import __version__
from ..content import Course
from ..controls import long_date
from ..reports.templates import template_environment
from ..server import trainer_dir, use_course_template

__all__ = ["build_kit", "cards_html", "plan_html", "slides_html"]

PLAN = "session_plan.ipynb"
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
#: reveal.js, shipped with the course so the slides run in a room without a network.
REVEAL = HERE / "reveal.js"
#: A heading as nbconvert writes it, with the id made from its text and a link to that id.
HEADING = re.compile(r'<(h[1-6]) id="([^"]+)"(.*?)</\1>', re.DOTALL)


def _unique_heading_ids(html: str) -> str:
    """Give each heading an id of its own: ``Agenda-(1-of-2)``, then ``Agenda-(1-of-2)-2``.

    nbconvert makes a heading's id from its text, and the session plan has headings with the same
    text in each plan ("Agenda (1 of 2)"): an id may be used only once in a page.
    """
    seen: set[str] = set(re.findall(r'\bid="([^"]+)"', html))
    used: set[str] = set()

    def rename(match: re.Match[str]) -> str:
        tag, old, rest = match.groups()
        if old not in used:
            used.add(old)
            return match.group(0)
        number = 2
        while f"{old}-{number}" in seen:
            number += 1
        new = f"{old}-{number}"
        seen.add(new)
        used.add(new)
        rest = rest.replace(f'href="#{old}"', f'href="#{new}"')  # its own anchor link
        return f'<{tag} id="{new}"{rest}</{tag}>'

    return HEADING.sub(rename, html)


def slides_html(notebook: Path) -> str:
    from nbconvert import SlidesExporter

    use_course_template()
    exporter = SlidesExporter(template_name="secure-base-slides")
    exporter.reveal_url_prefix = "reveal.js"
    exporter.reveal_theme = "course"
    html, _resources = exporter.from_filename(str(notebook))
    return _unique_heading_ids(html.replace('<html lang="en">', '<html lang="en-GB">', 1))


def plan_html(notebook: Path, course: Course) -> str:
    import nbformat
    from markupsafe import Markup
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    nb = nbformat.read(notebook, as_version=4)
    cells = [
        {
            "notes": cell.metadata.get("slideshow", {}).get("slide_type") == "notes",
            # A cell that goes on from the one before (no heading of its own) is not a section.
            "heading": cell.source.lstrip().startswith("#"),
            # The session plan is the course's own text, not a learner's: its markup is kept.
            "html": Markup(markdown2html_mistune(cell.source)),  # noqa: S704
        }
        for cell in nb.cells
        if cell.cell_type == "markdown"
    ]
    return _unique_heading_ids(
        template_environment(TEMPLATES)
        .get_template("plan.html.j2")
        .render(course=course, cells=cells, version=__version__)
    )


def cards_html(course: Course) -> str:
    groups = [
        (domain, stage, course.prompts_for(domain.key, stage.key))
        for domain in course.domains
        for stage in course.stages
    ]
    return (
        template_environment(TEMPLATES)
        .get_template("cards.html.j2")
        .render(
            course=course,
            groups=groups,
            total=sum(len(p) for _d, _s, p in groups),
            made_on=long_date(datetime.now()),
            version=__version__,
        )
    )


def build_kit(out: Path, course: Course) -> list[Path]:
    """Write the kit into ``out``; return the files a trainer opens."""
    out.mkdir(parents=True, exist_ok=True)
    notebook = trainer_dir() / PLAN
    written = []
    for name, text in (
        ("slides.html", slides_html(notebook)),
        ("session-plan.html", plan_html(notebook, course)),
        ("prompt-cards.html", cards_html(course)),
    ):
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    shutil.copytree(REVEAL, out / "reveal.js", dirs_exist_ok=True)
    return written
