"""The course's own page for every error the course server sends; odd addresses refused.

Standalone Voilà answers some odd addresses with an uncaught exception: a 500, and a traceback
in the server's log. ``/voila/render/<page>%00`` (any control character) makes Voilà redirect
to ``/voila/files/<page>\\x00``, which tornado refuses as a header value; the template file
handler unpacks ``/voila/templates/<template>/static/<file>`` without checking its shape
(``/voila/templates/``, ``…/secure-base/``, ``…/static/``) and hands a NUL to the file system.
Other handlers fail while drawing their error page: the lab-extension and theme handlers use
Jupyter Server's templates, which need a ``static_path`` Voilà does not set, and Voilà's page
handler looks up the user before it has been found, for an address that is not UTF-8.

Every page and file handler of the course therefore refuses an address with a control
character (400) or a ``.``/``..`` segment (404) before it does anything else, and draws every
error with the course's template (``<status>.html``, else ``error.html``): the status and
nothing else, never a traceback. The template file handler answers anything that is not a
file of a template's ``static`` folder with a 404, and an address no handler serves gets the
same 404 page. API and websocket handlers keep Jupyter Server's JSON errors.

Two more changes to Voilà's handlers free a closed page's kernel within seconds, without turning
off Jupyter Server's protection against forged requests: the page handler sets the ``_xsrf``
cookie that Voilà's closing request carries (:class:`GivesXsrfCookie`), and the shutdown waits a
moment for the page's last messages (:class:`GentleShutdown`). Culling stays as the safety net.
"""

from __future__ import annotations

import inspect
import logging
import re
from http.client import responses
from typing import Any
from urllib.parse import unquote

from jupyter_core.utils import ensure_async
from jupyter_server.base.handlers import APIHandler
from tornado.ioloop import IOLoop
from tornado.web import HTTPError, RequestHandler, authenticated
from tornado.websocket import WebSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler
from voila.utils import create_include_assets_functions

from .settings import TEMPLATE, WELCOME

__all__ = [
    "CourseErrorPages",
    "CourseNotFound",
    "CourseTemplateFiles",
    "GivesXsrfCookie",
    "course_handlers",
    "course_settings",
    "error_page",
    "refuse_odd_address",
]

log = logging.getLogger("widgets.server")

#: No address of the course has a C0 control character or DEL: a NUL would reach the file
#: system, a newline a redirect's Location header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refuse_odd_address(raw_path: str) -> None:
    """400 for a control character in the address, 404 for a ``.`` or ``..`` segment."""
    path = unquote(raw_path)
    if _CONTROL.search(path):
        raise HTTPError(400)
    if any(segment in (".", "..") for segment in path.split("/")):
        raise HTTPError(404)


def error_page(handler: RequestHandler, status_code: int) -> str:
    """The course's page for an error, from its template; plain HTML if that cannot be drawn."""
    base_url = handler.settings.get("base_url", "/")
    status_message = responses.get(status_code, "Error")
    try:
        template = handler.settings["voila_jinja2_env"].select_template(
            [f"{status_code}.html", "error.html"]
        )
        return str(
            template.render(
                status_code=status_code,
                status_message=status_message,
                base_url=base_url,
                welcome_url=f"{base_url}voila/render/{WELCOME}",
                **create_include_assets_functions(TEMPLATE, base_url),
            )
        )
    except Exception:  # a fault in the course's own template
        log.error("The course's error page could not be drawn", exc_info=True)
        return (
            f'<!DOCTYPE html><html lang="en-GB"><title>{status_code}</title>'
            f"<h1>{status_code}: {status_message}</h1></html>"
        )


class CourseErrorPages:
    """Mixed in before a handler of Voilà's: odd addresses refused, errors drawn by the course."""

    def prepare(self) -> Any:
        handler: RequestHandler = self  # type: ignore[assignment]
        refuse_odd_address(handler.request.path)
        return super().prepare()  # type: ignore[misc]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        handler: RequestHandler = self  # type: ignore[assignment]
        if status_code < 200 or status_code in (204, 304):
            handler.finish()
            return
        handler.set_header("Content-Type", "text/html; charset=UTF-8")
        handler.finish(error_page(handler, status_code))


class CourseTemplateFiles(CourseErrorPages, TemplateStaticFileHandler):
    """``/voila/templates/<template>/static/<file>``; any other address a 404, never a 500."""

    def parse_url_path(self, url_path: str) -> str:
        template, static, file = [*url_path.split("/", 2), "", ""][:3]
        if not template or static != "static" or not file or file.endswith("/"):
            raise HTTPError(404)
        return str(super().parse_url_path(url_path))


class CourseNotFound(CourseErrorPages, RequestHandler):
    """Any address no handler serves: the course's 404 page (tornado's own is a bare line)."""

    def prepare(self) -> None:
        super().prepare()  # an odd address is still a 400
        raise HTTPError(404)


class GivesXsrfCookie:
    """Mixed in before Voilà's page handler: the page gets the ``_xsrf`` cookie.

    When a learner closes a page, Voilà's page script asks the server to shut the page's kernel
    down, sending the ``_xsrf`` cookie's value as Jupyter Server's protection against forged
    requests requires. Voilà's page handler never sets that cookie, so the request is refused
    (403, "'_xsrf' argument missing", voila#1458) and the kernel lives on until it is culled.
    Reading the token sets the cookie, and the kernel goes as soon as the page does.
    """

    async def prepare(self) -> Any:
        handler: RequestHandler = self  # type: ignore[assignment]
        result = super().prepare()  # type: ignore[misc]
        if inspect.isawaitable(result):
            result = await result  # Jupyter Server finds the user here
        if not handler._finished:
            handler.xsrf_token  # noqa: B018 - reading it sets the cookie
        return result


#: How long a closed page's kernel is given to finish what it was sent before it is shut down.
SHUTDOWN_GRACE_SECONDS = 2.0


class GentleShutdown(VoilaShutdownKernelHandler):
    """The shutdown a closing page asks for, a moment later: the page's last keystrokes, sent
    just before it closed, reach the journal before the kernel goes."""

    @authenticated
    async def post(self, kernel_id: str) -> None:
        manager = self.kernel_manager
        if kernel_id not in manager:
            raise HTTPError(404)

        async def shut_down() -> None:
            if kernel_id in manager:
                await ensure_async(manager.shutdown_kernel(kernel_id))

        IOLoop.current().call_later(SHUTDOWN_GRACE_SECONDS, shut_down)
        self.set_status(204)
        self.finish()


def course_handlers(handlers: list[Any]) -> list[Any]:
    """Voilà's handlers, each page and file handler drawing its errors with the course's page."""
    course: list[Any] = []
    for pattern, handler, *rest in handlers:
        if handler is TemplateStaticFileHandler:
            handler = CourseTemplateFiles
        elif handler is VoilaShutdownKernelHandler:
            handler = GentleShutdown
        elif handler.__name__ in ("VoilaHandler", "TornadoVoilaHandler"):
            handler = type(handler.__name__, (CourseErrorPages, GivesXsrfCookie, handler), {})
        elif issubclass(handler, RequestHandler) and not issubclass(
            handler, (APIHandler, WebSocketHandler)
        ):
            handler = type(handler.__name__, (CourseErrorPages, handler), {})
        course.append((pattern, handler, *rest))
    return course


def course_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Voilà's tornado settings, an address no handler serves answered by the course's 404."""
    return {**settings, "default_handler_class": CourseNotFound}
