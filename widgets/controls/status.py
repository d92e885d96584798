"""Short status messages ("Saved", a problem) as HTML, marked for announcement.

Widgets redraw their own HTML, so a live region inside a widget is replaced with every message
and screen readers may miss it. The course's page template keeps two live regions on the page
from the start and copies into them any element marked ``data-sb-announce``: polite for news,
``alert`` for problems.
"""

from __future__ import annotations

from html import escape


def status_html(message: str, *, problem: bool = False) -> str:
    css = "sb-status-problem" if problem else "sb-status-ok"
    kind = "alert" if problem else "polite"
    return f'<span class="{css}" data-sb-announce="{kind}">{escape(message)}</span>'
