"""The course on Kubernetes and on mybinder.org: what ``secure-base jupyterhub-config --helm`` and
``secure-base binder-links`` print.

:func:`helm_config` writes a ``config.yaml`` for the Zero to JupyterHub Helm chart: every learner
gets the image repo2docker builds from ``binder/``, opens the welcome module in Voilà with the
course's settings (the same ones :func:`~.settings.hub_config` gives a JupyterHub), and keeps
their journal in their own home; trainers reach the dashboard service; the cohort database's
address comes from a Kubernetes secret, never from the file. :func:`binder_links` writes the two
README badges that open the course on mybinder.org.
"""

from __future__ import annotations

import json
import re
from typing import TypeAlias
from urllib.parse import quote

from .settings import (
    COHORT_SERVICE_ENV,
    DASHBOARD_SERVICE,
    TRAINERS_GROUP,
    TRAINERS_ROLE,
    WELCOME,
    check_group,
    server_settings,
    service_address,
    settings_argv,
    trainers_role,
)

__all__ = [
    "BINDER_BADGE",
    "DASHBOARD_SERVICE",
    "DATABASE_ENV",
    "DATABASE_SECRET",
    "TRAINERS_ROLE",
    "binder_links",
    "check_ref",
    "check_repo",
    "helm_config",
    "split_image",
]

#: Where the dashboard service listens inside the cluster (a Kubernetes Service of that name).
DASHBOARD_URL = f"http://{DASHBOARD_SERVICE}:8000"
DASHBOARD_PORT = 8000
#: The Kubernetes secret (and its key) holding the cohort database's URL, and the variable it fills.
DATABASE_SECRET = "secure-base-database"  # noqa: S105 - the name of a Kubernetes secret
DATABASE_SECRET_KEY = "url"  # noqa: S105 - the name of a key in it
DATABASE_ENV = "SECURE_BASE_COHORT_DB"
#: A server nobody has used for this long is stopped (its learner's home is kept).
SERVER_IDLE_SECONDS = 3600
SERVER_CULL_EVERY_SECONDS = 300

#: The course folder in the repository, as Binder sees it (the repository is its working folder).
BINDER_COURSE = "course"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"

# An image reference as Docker reads it: an optional registry host (and port), then lower-case path
# components, then a tag.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_NAME = re.compile(
    rf"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
)
_IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
# GitHub: an owner of up to 39 letters, digits and single inner hyphens; a repository name of
# letters, digits, '.', '_' and '-'.
_GITHUB_REPO = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}")

# Started in each learner's pod instead of `jupyterhub-singleuser` itself. repo2docker puts the
# course's files in the image's home folder, which the learner's own volume covers, so the
# server's root is the course as installed in the image; and the image's start script
# (binder/start) keeps journals in the browser, as Binder needs, so this sets them back to files.
_LAUNCH = (
    "import os, sys; from widgets.server import course_dir; "
    "os.environ['SECURE_BASE_STORE'] = 'file'; "
    "os.execvp('jupyterhub-singleuser', ['jupyterhub-singleuser', "
    "'--ServerApp.root_dir=' + str(course_dir()), *sys.argv[1:]])"
)

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}

Yaml: TypeAlias = dict[str, "Yaml"] | list["Yaml"] | str | int | bool | None


def split_image(image: str) -> tuple[str, str]:
    """``NAME:TAG`` as its name and tag; ValueError, saying what is wrong, if it is not one."""
    name, colon, tag = image.rpartition(":")
    if not colon or "/" in tag:
        raise ValueError(
            f"{image!r} has no tag; give the image as NAME:TAG, such as "
            "registry.example.org/secure-base:2025-01"
        )
    if not _IMAGE_NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not an image name (lower-case letters, digits, '.', '_', "
            "'-' and '/', after an optional registry)"
        )
    if not _IMAGE_TAG.fullmatch(tag):
        raise ValueError(
            f"{tag!r} is not an image tag (up to 128 letters, digits, '_', '.' and "
            "'-', not starting with '.' or '-')"
        )
    return name, tag


def _key(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML_WORDS:
        return key
    return json.dumps(key)


def _emit(value: Yaml, indent: int) -> list[str]:
    """``value`` as block-style YAML lines at ``indent``; every scalar is written as JSON, which
    YAML reads exactly (so no string can turn into a number, a boolean or a null)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{_key(key)}:")
                lines.extend(_emit(item, indent + 2))
            else:
                lines.append(f"{pad}{_key(key)}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = _emit(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(f"{pad}{_scalar(value)}")
    return lines


def _scalar(value: Yaml) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return json.dumps(value)


def helm_config(image: str, trainers_group: str = TRAINERS_GROUP) -> str:
    """A Zero to JupyterHub ``config.yaml`` that runs the course from ``image`` (``NAME:TAG``,
    built by repo2docker from ``binder/``), with the dashboard open to ``trainers_group``."""
    name, tag = split_image(image)
    group = check_group(trainers_group)
    role = trainers_role(group)
    sections: list[tuple[str, dict[str, Yaml]]] = [
        (
            "Every learner's server: the course's image, opening the welcome module in Voilà with\n"
            "the course's settings (no code, no tracebacks, kernels of closed pages stopped).\n"
            "Each learner's journal is a file in their own home, kept on their own volume.",
            {
                "singleuser": {
                    "image": {"name": name, "tag": tag},
                    "defaultUrl": f"/voila/render/{WELCOME}",
                    "cmd": ["python", "-c", _LAUNCH, *settings_argv(server_settings())],
                    "extraEnv": {
                        "SECURE_BASE_STORE": "file",
                        COHORT_SERVICE_ENV: service_address(DASHBOARD_URL),
                    },
                    # Learners' pods may reach the dashboard service (to share), and it alone
                    # of the cluster's other pods.
                    "networkPolicy": {
                        "egress": [
                            {
                                "to": [
                                    {
                                        "podSelector": {
                                            "matchLabels": {
                                                "app.kubernetes.io/name": DASHBOARD_SERVICE
                                            }
                                        }
                                    }
                                ],
                                "ports": [{"port": DASHBOARD_PORT, "protocol": "TCP"}],
                            }
                        ]
                    },
                }
            },
        ),
        (
            f"The hub: the trainers' dashboard as a service, which only the {group!r} group\n"
            "may open, and the cohort database's address from the Kubernetes secret\n"
            f"{DATABASE_SECRET!r} (key {DATABASE_SECRET_KEY!r}), never written here.",
            {
                "hub": {
                    "services": {
                        DASHBOARD_SERVICE: {"url": DASHBOARD_URL, "oauth_no_confirm": True},
                    },
                    "loadRoles": {
                        TRAINERS_ROLE: {
                            "description": str(role["description"]),
                            "groups": [group],
                            "scopes": [f"access:services!service={DASHBOARD_SERVICE}"],
                        },
                    },
                    "extraEnv": {
                        DATABASE_ENV: {
                            "valueFrom": {
                                "secretKeyRef": {
                                    "name": DATABASE_SECRET,
                                    "key": DATABASE_SECRET_KEY,
                                }
                            }
                        },
                    },
                }
            },
        ),
        (
            "Servers nobody has used for an hour are stopped; their learners' homes are kept.",
            {
                "cull": {
                    "enabled": True,
                    "timeout": SERVER_IDLE_SECONDS,
                    "every": SERVER_CULL_EVERY_SECONDS,
                }
            },
        ),
    ]
    header = [
        "# Zero to JupyterHub: Team as a Secure Base for every member of staff.",
        "# Written by `secure-base jupyterhub-config --helm`. Add your organisation's",
        "# authenticator (hub.config), then install or upgrade the hub with it:",
        "#",
        "#   helm upgrade --install secure-base jupyterhub/jupyterhub \\",
        "#     --namespace secure-base --create-namespace \\",
        "#     --version <the chart version you have tested> --values config.yaml",
        "#",
        f"# Learners' image: {name}:{tag}, built by repo2docker from the course's binder/",
        "# folder and pushed to a registry the cluster can pull from.",
    ]
    body: list[str] = []
    for comment, section in sections:
        body.append("")
        body.extend(f"# {line}" for line in comment.splitlines())
        body.extend(_emit(section, 0))
    return "\n".join(header + body) + "\n"


def check_repo(repo: str) -> str:
    """``repo`` if it is a GitHub repository as ``OWNER/REPO``, else ValueError saying so."""
    if not _GITHUB_REPO.fullmatch(repo) or repo.split("/")[1] in (".", ".."):
        raise ValueError(f"{repo!r} is not a GitHub repository; give it as OWNER/REPO")
    return repo


def check_ref(ref: str) -> str:
    """``ref`` if it can name a branch, tag or commit, else ValueError saying so."""
    if not ref or ref.startswith("-") or any(c.isspace() or c in "~^:?*[\\" for c in ref):
        raise ValueError(f"{ref!r} is not a branch, tag or commit")
    return ref


def binder_links(repo: str, ref: str = "HEAD") -> str:
    """The README badges that open ``repo`` (``OWNER/REPO`` on GitHub) on mybinder.org: the course
    in Voilà, and JupyterLab. ValueError, saying what is wrong, for a malformed repo or ref."""
    base = f"https://mybinder.org/v2/gh/{check_repo(repo)}/{quote(check_ref(ref), safe='')}"
    course = f"voila/render/{BINDER_COURSE}/{WELCOME}"
    return (
        f"[![Open the course on Binder]({BINDER_BADGE})]"
        f"({base}?urlpath={quote(course, safe='')})\n"
        f"[![Open in JupyterLab on Binder]({BINDER_BADGE})]({base}?urlpath=lab)\n"
    )
