"""Team as a Secure Base: the widgets and data every course notebook uses.

A module notebook starts with::

    from widgets import course_page
    page = course_page("availability")

and then calls ``page.reflect("general")`` and the like where the course needs them.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "course_page"]


def course_page(module_key: str):  # noqa: ANN201 - re-exported from widgets.ui
    """Open a module of the course; see :func:`widgets.ui.course_page`."""
    from .ui import course_page as _course_page

    return _course_page(module_key)
