"""The frame around every learner page: its stylesheet, the course navigation at the top and
the foot of the page, and the notice a Binder session shows.
"""

from __future__ import annotations

import os
from functools import cache
from html import escape

from ..content import Course, Module
from ..controls import on_static_site, page_href
from ..server import template_file

__all__ = ["BINDER_NOTICE", "heading_html", "nav_html", "on_binder", "stylesheet_html"]

#: Set by Voilà in the environment of every kernel it starts for a page.
VOILA_ENV = "VOILA_REQUEST_URL"


@cache
def _stylesheet() -> str:
    return template_file("static/course.css").read_text(encoding="utf-8")


def stylesheet_html() -> str:
    """The course's stylesheet for the page, where the page template has not linked it.

    In Voilà the course's template links ``course.css`` from its static folder, once, for the
    browser to cache; elsewhere (a notebook opened in JupyterLab, say) the page carries it.
    """
    if os.environ.get(VOILA_ENV) or on_static_site():
        return ""
    return f"<style>{_stylesheet()}</style>"


#: Set by mybinder.org in every session it launches.
BINDER_ENV = ("BINDER_LAUNCH_HOST", "BINDER_REPO_URL")
BINDER_NOTICE = (
    '<div class="sb-binder"><p><strong>You are using the course on Binder</strong>, a free, '
    "temporary service. Your session ends after about ten minutes without activity, and the "
    "service keeps nothing afterwards. Your writing is kept in this web browser; to be safe, "
    'download your journal file from <a href="08_privacy.ipynb" target="_self">Your writing and '
    "your privacy</a> or the closing module before you finish.</p></div>"
)


def on_binder() -> bool:
    return any(os.environ.get(name) for name in BINDER_ENV)


def heading_html(course: Course, module: Module) -> str:
    """The module's heading: the course's title on the welcome page, with the domain's belief."""
    title = course.title if module.key == "welcome" else module.title
    heading = f'<h1 class="sb-title">{escape(title)}</h1>'
    if module.domain:
        domain = course.domain(module.domain)
        heading += f'<p class="sb-belief">“{escape(domain.belief)}”</p>'
    elif module.key == "welcome":
        heading += f'<p class="sb-belief">{escape(course.subtitle)}</p>'
    return heading


def nav_html(course: Course, current: Module, where: str) -> str:
    modules = course.sequence
    about = [m for m in course.modules if m.about]

    def item(m: Module) -> str:
        current_mark = ' aria-current="page"' if m == current else ""
        link = f'<a href="{page_href(m.file)}" target="_self"{current_mark}>{escape(m.title)}</a>'
        return f"<li>{link}</li>"

    contents = f"<ol>{''.join(item(m) for m in modules)}</ol>"
    closing = next((m for m in modules if m.key == "closing"), None)
    if closing is not None:
        # The CPD record is drafted at the end of the closing module: one step from anywhere.
        contents += (
            f'<p class="sb-contents-cpd"><a href="{page_href(closing.file)}#Your-CPD-record" '
            'target="_self">Your CPD record</a>: draft it, ready to copy into your Social Work '
            "England account</p>"
        )
    if about:
        contents += (
            '<p class="sb-contents-about">About this course:</p>'
            f"<ul>{''.join(item(m) for m in about)}</ul>"
        )
    parts = []
    if current.about:
        first = modules[0]
        parts.append(
            f'<a href="{page_href(first.file)}" target="_self">'
            f"← Back to the course: {escape(first.title)}</a>"
        )
        parts.append(f'<span class="sb-where">About this course: {escape(current.title)}</span>')
    else:
        index = modules.index(current)
        prev = modules[index - 1] if index > 0 else None
        nxt = modules[index + 1] if index + 1 < len(modules) else None
        if prev:
            parts.append(
                f'<a href="{page_href(prev.file)}" target="_self" rel="prev">← Previous: '
                f"{escape(prev.title)}</a>"
            )
        parts.append(
            f'<span class="sb-where">Module {index + 1} of {len(modules)}: '
            f"{escape(current.title)}</span>"
        )
        if nxt:
            parts.append(
                f'<a href="{page_href(nxt.file)}" target="_self" rel="next">'
                f"Next: {escape(nxt.title)} →</a>"
            )
    parts.append(f'<details class="sb-contents"><summary>Contents</summary>{contents}</details>')
    label = "Course navigation" if where == "top" else "Course navigation, end of page"
    return f'<nav class="sb-nav" aria-label="{label}">{"".join(parts)}</nav>'
