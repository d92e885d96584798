"""The route that serves the components' scripts as files (see :mod:`widgets.controls.scripts`).

Both ways of serving the course add it: ``secure-base serve`` (:class:`CourseServer`) and the
course's Jupyter server extension (Binder, JupyterHub). Each also tells its kernels where the
route is, through :data:`~widgets.controls.scripts.SCRIPTS_ENV`, so that a page's widgets carry
an import of their script rather than the script itself.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_server.utils import url_path_join
from tornado.web import HTTPError, RequestHandler

from ..controls.scripts import ROUTE, SCRIPTS_ENV, served_script
from .errors import CourseErrorPages

__all__ = ["CourseScripts", "scripts_rule", "tell_kernels"]

#: A script whose address names its text is kept by the browser: the next change of the course
#: gives it a new address.
KEEP = "public, max-age=31536000, immutable"


class CourseScripts(CourseErrorPages, RequestHandler):
    """``<base URL>secure-base/scripts/<digest>/<file>,<file>``: one component's ES module.

    Like the template's stylesheets, the scripts are the course's own published code, served
    to whoever may reach the server; nothing of a learner's is in them.
    """

    def get(self, tail: str) -> None:
        found = served_script(tail)
        if found is None:
            raise HTTPError(404)
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", KEEP if found.current else "no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(found.text)


def scripts_rule(base_url: str) -> tuple[str, type[Any]]:
    """The route's rule, for a server whose base URL is ``base_url``."""
    return (url_path_join(base_url, ROUTE, "(.*)"), CourseScripts)


def tell_kernels(base_url: str) -> None:
    """Let the kernels this server starts from now on know where the scripts are served."""
    os.environ[SCRIPTS_ENV] = url_path_join(base_url, ROUTE)
