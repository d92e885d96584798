"""Links from one page of the course to another, wherever the course is shown.

Served by Voilà, a module is its notebook (``01_availability.ipynb``); on the static site, where
Python runs in the learner's browser, each module is a web page of its own
(``01_availability.html``). The static site's Python sets :data:`SITE_ENV`.
"""

from __future__ import annotations

import os

__all__ = ["SITE_ENV", "on_static_site", "page_href"]

#: Set to ``static`` while the course runs on the static site, in the learner's browser.
SITE_ENV = "SECURE_BASE_SITE"


def on_static_site() -> bool:
    return os.environ.get(SITE_ENV) == "static"


def page_href(file: str) -> str:
    """Where a link to the module in ``file`` (``NN_name.ipynb``) points."""
    if on_static_site() and file.endswith(".ipynb"):
        return file[: -len(".ipynb")] + ".html"
    return file
