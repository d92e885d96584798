"""The Nu Html Checker (the W3C's validator, vnu.jar from npm's vnu-jar), run on pages the course
writes: ``validate_html`` for one page, ``validate_pages`` for many in one run of Java.

``tests/run`` installs the checker into ``.cache/vnu`` (and Debian's Java runtime if it is
missing); ``SECURE_BASE_VNU_JAR`` names another vnu.jar. Without Java or the jar the tests that use
it are skipped, and in CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VNU_JAR = ROOT / ".cache" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checker() -> tuple[list[str] | None, str]:
    """The command that runs the checker, or None and why it cannot run."""
    jar = Path(os.environ.get("SECURE_BASE_VNU_JAR") or VNU_JAR)
    java = shutil.which("java")
    if java is None:
        return None, "Java was not found: install Debian's default-jre-headless package"
    if not jar.is_file():
        return None, (
            f"The Nu Html Checker was not found at {jar}: run tests/run, which installs npm's "
            "vnu-jar into .cache/vnu, or set SECURE_BASE_VNU_JAR"
        )
    return [java, "-jar", str(jar)], ""


def require_checker() -> list[str]:
    """The checker's command; skip the test without it (fail it, in CI)."""
    command, problem = checker()
    if command is None:
        if os.environ.get("CI"):
            pytest.fail(problem + " (the HTML validation must run in CI)")
        pytest.skip(problem)
    return command


def _readable(name: str, message: dict) -> str:
    line = message.get("lastLine", message.get("firstLine"))
    column = message.get("firstColumn", message.get("lastColumn"))
    where = f"{name}:{line}.{column}" if line is not None else name
    text = f"{where}: {message.get('message', '(no message)')}"
    extract = " ".join(str(message.get("extract", "")).split())
    return f"{text} [{extract[:120]}]" if extract else text


def validate_pages(pages: Mapping[str, str], warnings: bool = False) -> dict[str, list[str]]:
    """Check every page in one run of the checker: for each page's name, its errors (and its
    warnings too, with ``warnings=True``), as ``name:line.column: message [extract]``."""
    command = require_checker()
    found: dict[str, list[str]] = {name: [] for name in pages}
    with tempfile.TemporaryDirectory(prefix="secure-base-vnu-") as folder:
        names: dict[str, str] = {}
        paths: list[str] = []
        for number, (name, html) in enumerate(pages.items()):
            safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name.removesuffix(".html"))
            path = Path(folder) / f"{number:02d}-{safe}.html"
            path.write_text(html, encoding="utf-8")
            paths.append(str(path))
            names[path.as_uri()] = names[f"file:{path}"] = name  # as the checker may write it
        run = subprocess.run(
            [*command, "--format", "json", "--stdout", "--exit-zero-always", *paths],
            capture_output=True,
            text=True,
            timeout=300,
        )
        try:
            messages = json.loads(run.stdout)["messages"]
        except (ValueError, KeyError) as problem:
            raise AssertionError(
                f"The Nu Html Checker gave no report (exit {run.returncode}): "
                f"{run.stderr.strip() or run.stdout.strip()}"
            ) from problem
    for message in messages:
        name = names.get(message.get("url", ""))
        kind = message.get("type")
        is_warning = kind == "info" and message.get("subType") == "warning"
        if kind == "info" and not (warnings and is_warning):
            continue
        if name is None:  # a problem with no page of its own: it belongs to every page
            for errors in found.values():
                errors.append(_readable("(checker)", message))
        else:
            found[name].append(_readable(name, message))
    return found


def validate_html(html: str, name: str) -> list[str]:
    """The checker's errors in one page (one run of Java: for many pages use validate_pages)."""
    return validate_pages({name: html})[name]
