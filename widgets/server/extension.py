"""The course's Jupyter server extension: Voilà, when it runs inside a Jupyter server.

On Binder and on JupyterHub, Voilà is a Jupyter server extension rather than the course's own
standalone server, so the course's changes to Voilà's handlers (see :mod:`.errors`) would be
missing: a closed page's kernel would live on until it is culled, because the closing request
is refused for want of the ``_xsrf`` cookie (voila#1458). This extension, switched on by the
``jupyter_server_config.d/secure-base.json`` file the package installs, gives Voilà's page
handler :class:`~.errors.GivesXsrfCookie` and swaps its shutdown handler for
:class:`~.errors.GentleShutdown`, without turning off the server's protection against forged
requests. It also serves the components' scripts as files (see :mod:`.scripts`), so that a
page's widgets need not carry them, and keeps Voilà's compiled page templates from one page to
the next (see :mod:`.templates`). It changes nothing else.
"""

from __future__ import annotations

from typing import Any

from tornado.ioloop import IOLoop
from tornado.routing import Rule, RuleRouter
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from .cells import run_cells_together
from .errors import GentleShutdown, GivesXsrfCookie
from .scripts import scripts_rule, tell_kernels
from .templates import keep_compiled_templates

__all__ = ["install"]


#: Voilà's page handler, by the names it has had as a server extension and standalone.
_PAGE_HANDLERS = ("TornadoVoilaHandler", "VoilaHandler")


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "widgets.server.extension"}]


def _rules(router: Any) -> list[Rule]:
    """Every rule of a tornado application's routers, nested ones included."""
    found: list[Rule] = []
    for rule in getattr(router, "rules", []):
        found.append(rule)
        if isinstance(rule.target, RuleRouter):
            found.extend(_rules(rule.target))
    return found


def install(web_app: Any) -> int:
    """Give Voilà's handlers in ``web_app`` the course's changes; how many were changed."""
    changed = 0
    for rule in _rules(web_app.default_router) + _rules(web_app.wildcard_router):
        target = rule.target
        if not isinstance(target, type):
            continue
        if target is VoilaShutdownKernelHandler:
            rule.target = GentleShutdown
            changed += 1
        elif target.__name__ in _PAGE_HANDLERS and not issubclass(target, GivesXsrfCookie):
            rule.target = type(target.__name__, (GivesXsrfCookie, target), {})
            changed += 1
    return changed


def _load_jupyter_server_extension(serverapp: Any) -> None:
    # The components' scripts, served as files for the browser to fetch once (scripts.py).
    serverapp.web_app.add_handlers(".*$", [scripts_rule(serverapp.base_url)])
    tell_kernels(serverapp.base_url)
    # Voilà's page templates compiled once per server, not once per page (templates.py).
    keep_compiled_templates()
    # A page's code cells sent to its kernel in one request, not one each (cells.py).
    run_cells_together()
    if install(serverapp.web_app) == 0:
        # Voilà's handlers are not there yet: change them once every extension has loaded.
        IOLoop.current().add_callback(install, serverapp.web_app)
    serverapp.log.info("Team as a Secure Base: closed pages free their kernels within seconds")
