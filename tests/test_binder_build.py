"""The Binder route end to end: an environment built only from binder/, as repo2docker builds it.

A copy of the repository, a fresh virtual environment with nothing but `binder/requirements.txt`
installed into it, `binder/postBuild` run with a home of its own, and the server started through
`binder/start` as Binder starts it. Then a learner opens the course at the path the README's badge
points to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, wait_until_ready
from .harness import free_port, stop, wait_for_http

ROOT = Path(__file__).resolve().parent.parent
VOILA_PATH = "voila/render/course/00_welcome.ipynb"
LAB_PATH = "lab/tree/course/00_welcome.ipynb"


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    where = tmp_path_factory.mktemp("binder")
    repo, home, venv = where / "repo", where / "home", where / "env"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (t.decode() for t in tracked)):
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "-r", "binder/requirements.txt"],
        cwd=repo,
        env=env,
        check=True,
    )
    subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, check=True)
    port, token = free_port(), "binder-test-token"
    server = subprocess.Popen(
        [
            "bash",
            "binder/start",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        cwd=repo,
        # mybinder.org sets these in every session it launches.
        env={**env, "BINDER_LAUNCH_HOST": "https://mybinder.org/", "BINDER_REPO_URL": "x"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/api/status?token={token}", server, "the server built from binder/")
        yield base, token, home
    finally:
        stop(server)


def test_the_course_opens_from_an_environment_built_only_from_binder(binder, page):
    base, token, home = binder
    page.goto(f"{base}/{VOILA_PATH}?token={token}")
    wait_until_ready(page, "00_welcome.ipynb")
    # The course's own template, found in the installed package, with the Binder notice.
    assert page.locator("main#main-content").count() == 1
    assert page.locator(".sb-binder", has_text="You are using the course on Binder").count() == 1
    assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0
    page.screenshot(path=str(ARTIFACTS / "binder-welcome.png"))

    page.goto(f"{base}/voila/render/course/01_availability.ipynb?token={token}")
    wait_until_ready(page, "01_availability.ipynb")
    box = page.locator(".sb-reflection textarea").first
    box.fill("Kept in this browser, not on the server")
    page.locator(".sb-reflection .sb-status", has_text="Saved").first.wait_for()
    page.reload()
    wait_until_ready(page, "01_availability.ipynb")
    page.wait_for_function(
        "document.querySelector('.sb-reflection textarea').value.startsWith('Kept')"
    )
    # Binder keeps nothing: the journal is in the browser, and no journal file was written.
    assert not [p for p in home.rglob("journal.json*")]


def test_jupyterlab_opens_at_the_second_badge_s_path(binder):
    base, token, _home = binder
    with urllib.request.urlopen(f"{base}/{LAB_PATH}?token={token}", timeout=60) as response:
        assert response.status == 200
