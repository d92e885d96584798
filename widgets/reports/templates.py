"""The Jinja environment every printable page of the course is written with.

Jinja escapes everything by default here, so learner text can never become markup. The
course's shared pieces (``_base.css.j2``, ``_credits.html.j2``) and the journal page live in
``templates/`` beside this module; the trainer's kit and the workshop's summary add folders of
their own, searched first. Jinja is imported only when a page is written, so pages that never
export do not pay for it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

__all__ = ["TEMPLATES", "template_environment"]

#: The course's shared templates.
TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def template_environment(*folders: Path) -> jinja2.Environment:
    """An autoescaping, strict Jinja environment over ``folders`` and the shared templates.

    One environment for each set of folders, kept for the life of the process, so that each
    template is compiled once rather than on every page written.
    """
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([*map(str, folders), str(TEMPLATES)], encoding="utf-8"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
