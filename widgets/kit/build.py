"""The facilitator's kit, written to a folder: slides, a printable session plan, prompt cards.

- ``slides.html`` (with ``reveal.js/`` beside it): the session plan notebook as reveal.js slides,
  made with nbconvert and a template of the course's own that loads nothing from the network.
  Press S in the slides for the speaker view with the facilitator's notes.
- ``session-plan.html``: the same notebook as one page to read or print, notes included.
- ``prompt-cards.html``: one card for each of the course's prompts, by domain and stage, laid out
  to print on A4 (eight cards to a sheet) and cut up for group work.
"""

from __future__ import annotations

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


def slides_html(notebook: Path) -> str:
    from nbconvert import SlidesExporter

    use_course_template()
    exporter = SlidesExporter(template_name="secure-base-slides")
    exporter.reveal_url_prefix = "reveal.js"
    exporter.reveal_theme = "course"
    html, _resources = exporter.from_filename(str(notebook))
    return html.replace('<html lang="en">', '<html lang="en-GB">', 1)


def plan_html(notebook: Path, course: Course) -> str:
    import nbformat
    from markupsafe import Markup
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    nb = nbformat.read(notebook, as_version=4)
    cells = [
        {
            "notes": cell.metadata.get("slideshow", {}).get("slide_type") == "notes",
            # The session plan is the course's own text, not a learner's: its markup is kept.
            "html": Markup(markdown2html_mistune(cell.source)),  # noqa: S704
        }
        for cell in nb.cells
        if cell.cell_type == "markdown"
    ]
    return (
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
