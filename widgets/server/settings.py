"""The one description of how the course is served, read by every route that serves it.

``secure-base serve`` and the workshop run standalone Voilà with :func:`voila_argv`; Binder's
``postBuild`` writes :func:`server_settings` into Jupyter Server's configuration; and
``secure-base jupyterhub-config`` prints them for a JupyterHub (:func:`hub_config`). Learners
see the course through its own Voilà template (in ``_jupyter/`` beside this module): a main
landmark, British English, focus rings, live regions, the course's stylesheets, no code and no
tracebacks.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

__all__ = [
    "CULL_IDLE_SECONDS",
    "DASHBOARD_SERVICE",
    "TRAINERS_GROUP",
    "TRAINERS_ROLE",
    "CULL_INTERVAL_SECONDS",
    "TEMPLATE",
    "WELCOME",
    "course_dir",
    "hub_config",
    "jupyter_data_dir",
    "kernel_transport",
    "server_settings",
    "settings_argv",
    "template_file",
    "trainers_role",
    "trainer_dir",
    "use_course_template",
    "voila_argv",
]

WELCOME = "00_welcome.ipynb"
#: The course's Voilà template.
TEMPLATE = "secure-base"
#: A kernel nobody is connected to is stopped after this many seconds without activity.
CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60

_PACKAGE = Path(__file__).resolve().parents[1]

#: The JupyterHub service trainers open the workshop dashboard through (widgets.workshop.hub).
DASHBOARD_SERVICE = "secure-base-dashboard"
#: Where a hub started from `secure-base jupyterhub-config` runs it, on the hub's own computer.
DASHBOARD_URL = "http://127.0.0.1:8765"
#: The JupyterHub role that lets the trainers' group reach the dashboard, and that group.
TRAINERS_ROLE = "secure-base-trainers"
TRAINERS_GROUP = "trainers"
#: Learners' servers find the service here (widgets.workshop.hubshare reads it).
COHORT_SERVICE_ENV = "SECURE_BASE_COHORT_SERVICE"
#: What the dashboard service alone is given from the hub's environment: the cohort database's
#: address (or a file holding it), the secret shares are keyed with (or its file), the threshold.
SERVICE_ONLY_ENV = (
    "SECURE_BASE_COHORT_DB",
    "SECURE_BASE_COHORT_DB_FILE",
    "SECURE_BASE_SHARE_SECRET",
    "SECURE_BASE_SHARE_SECRET_FILE",
    "SECURE_BASE_MIN_ANSWERS",
)


def course_dir() -> Path:
    """The course notebooks: inside the installed package, or beside it in a checkout."""
    for candidate in (_PACKAGE / "_course", _PACKAGE.parent / "course"):
        if (candidate / WELCOME).is_file():
            return candidate
    raise SystemExit("The course notebooks could not be found; please reinstall the course.")


def trainer_dir() -> Path:
    """The trainer's notebooks (the workshop dashboard and the session plan)."""
    return _PACKAGE / "trainer"


def jupyter_data_dir() -> Path:
    """The course's Jupyter data: its Voilà template and the slides' nbconvert template."""
    return Path(__file__).resolve().parent / "_jupyter"


def template_file(name: str) -> Path:
    """A file of the course's Voilà template, such as ``static/course.css``."""
    return jupyter_data_dir() / "voila" / "templates" / TEMPLATE / name


def settings_argv(settings: dict[str, dict[str, object]]) -> list[str]:
    """Configuration as command-line options: ``--Class.trait=value``."""
    return [
        f"--{cls}.{name}={value}"
        for cls, traits in settings.items()
        for name, value in traits.items()
    ]


def server_settings(cull_after: int = CULL_IDLE_SECONDS) -> dict[str, dict[str, object]]:
    """What a Jupyter server needs to serve the course with Voilà, as configuration."""
    return {
        # The course's own page template; learners see the course, never code or tracebacks.
        "VoilaConfiguration": {
            "template": TEMPLATE,
            "strip_sources": True,
            "show_tracebacks": False,
        },
        # A room opening the course at once can keep a kernel's output waiting past 4 s.
        "VoilaExecutor": {"iopub_timeout": 60},
        # Check a page's notebook once, after nbconvert's preprocessors have run, rather than
        # after each of them (about a tenth of the server's work for a page).
        "VoilaExporter": {"optimistic_validation": True},
        # Stop the kernels of pages that have gone, never an open one.
        "MappingKernelManager": {
            "cull_idle_timeout": cull_after,
            "cull_interval": max(1, min(CULL_INTERVAL_SECONDS, cull_after // 2)),
            "cull_connected": False,
        },
    }


def check_group(group: str) -> str:
    """A JupyterHub group's name, spaces tidied; ValueError if there is none."""
    group = " ".join(group.split())
    if not group:
        raise ValueError("the trainers' group needs a name")
    return group


def trainers_role(group: str = TRAINERS_GROUP) -> dict[str, object]:
    """The hub role that opens the trainers' dashboard to ``group`` and to nobody else."""
    return {
        "name": TRAINERS_ROLE,
        "description": "Trainers: open the Team as a Secure Base dashboard",
        "groups": [check_group(group)],
        "scopes": [f"access:services!service={DASHBOARD_SERVICE}"],
    }


def service_address(url: str) -> str:
    """Where learners' servers send their shares: the service's own pages, under its prefix."""
    return f"{url.rstrip('/')}/services/{DASHBOARD_SERVICE}/"


def hub_config(trainers_group: str = TRAINERS_GROUP, dashboard_url: str = DASHBOARD_URL) -> str:
    """A JupyterHub configuration for running the course for all of an organisation's staff,
    with the trainers' dashboard as a service open to ``trainers_group``."""
    lines = ",\n    ".join(repr(a) for a in settings_argv(server_settings()))
    role = trainers_role(trainers_group)
    role_text = ",\n        ".join(f"{k!r}: {v!r}" for k, v in role.items())
    service_env = "".join(f"\n                {name!r}," for name in SERVICE_ONLY_ENV)
    return f"""# JupyterHub: Team as a Secure Base for every member of staff.
# Written by `secure-base jupyterhub-config`; add your organisation's authenticator and spawner.
import os
import sys

c = get_config()  # noqa: F821 - provided by JupyterHub

# Everyone starts on the welcome module, in Voilà, with the course's settings.
c.Spawner.notebook_dir = {str(course_dir())!r}
c.Spawner.default_url = "/voila/render/{WELCOME}"
c.Spawner.args = [
    {lines},
]
# Each learner's journal is a file in their own home (~/.local/share/secure-base/journal.json),
# readable by them and by nobody else on the hub; `secure-base where` shows it. On the page
# "Share with your workshop" learners share through the trainers' dashboard, signed in as
# themselves by the hub: their servers hold no database address and no secret.
c.Spawner.environment = {{
    "SECURE_BASE_STORE": "file",
    {COHORT_SERVICE_ENV!r}: {service_address(dashboard_url)!r},
}}

# The trainers' dashboard, a service the hub starts and signs trainers in to. Only it is given
# the cohort database's address (PostgreSQL), from the hub's own environment: set
# SECURE_BASE_COHORT_DB, or SECURE_BASE_COHORT_DB_FILE to a file only the hub's account can
# read. Shares are kept under a keyed hash of each person's name, with a secret in the file
# SECURE_BASE_SHARE_SECRET_FILE names (made on first start; default: secure-base-share-secret
# in the hub's folder), and never under the name.
c.JupyterHub.services = [
    {{
        "name": {DASHBOARD_SERVICE!r},
        "url": {dashboard_url!r},
        "command": [sys.executable, "-m", "widgets.workshop.hub"],
        "oauth_no_confirm": True,
        "environment": {{
            name: os.environ[name]
            for name in ({service_env}
            )
            if name in os.environ
        }},
    }},
]
# Only members of the group {check_group(trainers_group)!r} may open it; everyone else gets 403.
# Add trainers to the group on the hub's admin page, or let your authenticator manage groups.
c.JupyterHub.load_roles = [
    {{
        {role_text},
    }},
]
"""


def kernel_transport(platform: str = sys.platform) -> str:
    """How standalone Voilà talks to its kernels on this system.

    Local (Unix domain) sockets where the system has them, since a burst of pages can exhaust
    TCP ports; TCP on Windows, where ZeroMQ's local sockets are not available.
    """
    return "ipc" if platform != "win32" and hasattr(socket, "AF_UNIX") else "tcp"


def voila_argv(
    port: int,
    *,
    token: bool = True,
    root: Path | None = None,
    cull_after: int = CULL_IDLE_SECONDS,
    host: str = "127.0.0.1",
) -> list[str]:
    """The Voilà settings a course needs, as command-line options of standalone Voilà."""
    return [
        str(root or course_dir()),
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--Voila.log_level=WARN",
        *settings_argv(server_settings(cull_after)),
        # (Standalone Voilà only: under Jupyter Server, as on Binder or JupyterHub, pages
        # served over local sockets never finish, so those routes keep TCP.)
        f"--KernelManager.transport={kernel_transport()}",
        f"--Voila.auto_token={token}",
    ]


def use_course_template() -> None:
    """Let Jupyter find the course's Voilà template, wherever the package is installed."""
    data = str(jupyter_data_dir())
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if data not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([data, *paths])
