"""The package as a learner installs it: a wheel that carries the course and serves it."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from widgets.content import load_course

from .conftest import CourseServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (built,) = out.glob("team_secure_base-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed into a folder of its own, away from the checkout."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    return target


def test_the_wheel_carries_notebooks_content_and_command(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in load_course().modules:
        assert f"widgets/_course/{module.file}" in names
    assert "widgets/content/course.toml" in names
    for domain in load_course().domains:
        assert f"widgets/content/prompts/{domain.key}.toml" in names
    # The workshop's dashboard, the facilitator's kit and what its slides need.
    for name in (
        "widgets/trainer/dashboard.ipynb",
        "widgets/trainer/session_plan.ipynb",
        "widgets/kit/reveal.js/dist/reveal.js",
        "widgets/kit/reveal.js/LICENSE",
        "widgets/server/_jupyter/nbconvert/templates/secure-base-slides/index.html.j2",
        "widgets/server/_jupyter/voila/templates/secure-base/static/course.css",
        "widgets/server/_jupyter/voila/templates/secure-base/static/trainer.css",
        "widgets/kit/templates/cards.html.j2",
        "widgets/reports/templates/journal.html.j2",
        "widgets/workshop/templates/cohort.html.j2",
        "widgets/journal/browser_store.js",
    ):
        assert name in names, name
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "secure-base = widgets.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(n.startswith("tests/") or "/tests/" in n for n in names)


def test_the_installed_course_serves_its_own_notebooks(installed, tmp_path, monkeypatch):
    # Run from an empty folder with only the installed copy importable.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(installed))
    where = subprocess.run(
        [sys.executable, "-m", "widgets.cli", "where"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert f"course:  {installed / 'widgets' / '_course'}" in where

    server = CourseServer(tmp_path / "journal.json", command=[sys.executable, "-m", "widgets.cli"])
    try:
        html = urllib.request.urlopen(server.module_url("01_availability.ipynb"), timeout=60)
        body = html.read().decode()
    finally:
        assert server.stop() == 0
    # Voilà streams each output as JSON inside the page; read it back as HTML.
    body = body.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    assert 'class="sb-nav"' in body
    assert '<h1 class="sb-title">Availability</h1>' in body
    assert "application/vnd.jupyter.widget-view+json" in body
    assert "Traceback" not in body


def test_the_version_has_one_source(wheel):
    """pyproject.toml reads the version from the package: the wheel and the code agree."""
    import tomllib

    import widgets

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert wheel.name.startswith(f"team_secure_base-{widgets.__version__}-")
    metadata = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert f"\nVersion: {widgets.__version__}\n" in text
