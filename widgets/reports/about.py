"""The course described: the model as a picture (with its text alternative) and the credits.

Both are drawn from the content alone, for the course's pages and its printed pieces.
"""

from __future__ import annotations

import math
from html import escape

from ..content import Course

__all__ = ["credits_html", "model_svg"]


def model_svg(course: Course) -> str:
    """The model as a picture: five domains around the team as a secure base."""
    cx, cy, r_centre, r_orbit, r_node = 340, 250, 90, 178, 76
    colours = ["#0b5a75", "#6b3d8f", "#8a4a00", "#1d6b35", "#9b1c3c"]
    nodes = []
    for i, domain in enumerate(course.domains):
        angle = -math.pi / 2 + i * 2 * math.pi / len(course.domains)
        x = cx + r_orbit * math.cos(angle)
        y = cy + r_orbit * math.sin(angle)
        belief_lines = _wrap(f"“{domain.belief}”", 16)
        tspans = "".join(
            f'<tspan x="{x:.0f}" dy="{1.2 if j else 0.4}em">{escape(line)}</tspan>'
            for j, line in enumerate(belief_lines)
        )
        nodes.append(
            f'<line x1="{cx}" y1="{cy}" x2="{x:.0f}" y2="{y:.0f}" stroke="#7a8f96" '
            f'stroke-width="2"/>'
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{r_node}" fill="#ffffff" '
            f'stroke="{colours[i % len(colours)]}" stroke-width="4"/>'
            f'<text x="{x:.0f}" y="{y - 22:.0f}" text-anchor="middle" font-weight="700" '
            f'font-size="15" fill="{colours[i % len(colours)]}">{escape(domain.title)}</text>'
            f'<text x="{x:.0f}" y="{y - 6:.0f}" text-anchor="middle" font-size="13" '
            f'fill="#1b1b1b">{tspans}</text>'
        )
    desc = (
        "The team as a secure base sits at the centre, linked to five domains around it: "
        + "; ".join(f"{d.title}, where the belief is “{d.belief}”" for d in course.domains)
        + "."
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 680 500" role="img" '
        'aria-labelledby="sb-model-title sb-model-desc" focusable="false">'
        '<title id="sb-model-title">The team as a secure base model</title>'
        f'<desc id="sb-model-desc">{escape(desc)}</desc>'
        + "".join(nodes)
        + f'<circle cx="{cx}" cy="{cy}" r="{r_centre}" fill="#eef5f7" stroke="#0b5a75" '
        'stroke-width="4"/>'
        f'<text x="{cx}" y="{cy - 8}" text-anchor="middle" font-size="18" font-weight="700" '
        f'fill="#1b1b1b">Team as a</text><text x="{cx}" y="{cy + 16}" text-anchor="middle" '
        'font-size="18" font-weight="700" fill="#1b1b1b">secure base</text></svg>'
    )


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def credits_html(course: Course) -> str:
    src = course.source
    refs = "".join(
        f'<li>{escape(r.citation)} <a href="{escape(r.url)}">doi:{escape(r.doi)}</a></li>'
        for r in course.references
    )
    return (
        '<section class="sb-credits" aria-labelledby="sb-credits-heading">'
        '<h2 id="sb-credits-heading">Credits and references</h2>'
        f"<p>This course is built on the {escape(src.kind.lower())} "
        f"<cite>{escape(src.title)}</cite> by {escape(src.by)} ({escape(src.institution)}), "
        f"published by the {escape(src.programme)} and funded by the {escape(src.funder)}. "
        "Its reflective questions have been rewritten for this course; the original tool is "
        f'available from the <a href="{escape(src.url)}">Practice Supervisor Development '
        "Programme website</a>.</p>"
        f"<p>The references the tool cites:</p><ul>{refs}</ul></section>"
    )
