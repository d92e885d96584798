"""How the course is served: the settings every route reads (``secure-base serve``, the
workshop, Binder, JupyterHub), the course's Voilà template and stylesheets (``_jupyter/``), and
the local course server (:mod:`.course`, imported only by the command that starts it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import (
    CULL_IDLE_SECONDS,
    TEMPLATE,
    WELCOME,
    course_dir,
    hub_config,
    jupyter_data_dir,
    kernel_transport,
    server_settings,
    settings_argv,
    template_file,
    trainer_dir,
    use_course_template,
    voila_argv,
)

if TYPE_CHECKING:
    from .helm import binder_links, helm_config


def __getattr__(name: str) -> Any:
    # The Binder and Helm helpers are for the command line; a page's kernel never loads them.
    if name in ("binder_links", "helm_config"):
        from . import helm

        return getattr(helm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CULL_IDLE_SECONDS",
    "TEMPLATE",
    "WELCOME",
    "binder_links",
    "course_dir",
    "helm_config",
    "hub_config",
    "jupyter_data_dir",
    "kernel_transport",
    "server_settings",
    "settings_argv",
    "template_file",
    "trainer_dir",
    "use_course_template",
    "voila_argv",
]
