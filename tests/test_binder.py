"""The Binder configuration: pinned versions in step with the package, and settings that run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def pins() -> dict[str, str]:
    found = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and line != ".":
            name, _, version = line.partition("==")
            assert version, f"{line!r} is not pinned"
            found[name.lower()] = version
    return found


def test_binder_pins_sit_inside_the_package_s_own_ranges():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}
    pinned = pins()
    assert set(declared) <= set(pinned), "every dependency of the course is pinned for Binder"
    for name, requirement in declared.items():
        assert requirement.specifier.contains(pinned[name]), (name, pinned[name])
    assert (BINDER / "requirements.txt").read_text().splitlines()[-1] == "."


def test_post_build_writes_the_course_settings(tmp_path):
    subprocess.run(
        ["bash", str(BINDER / "postBuild")],
        check=True,
        cwd=ROOT,
        env={
            **os.environ,
            "HOME": str(tmp_path),
            # As on Binder: the environment the course was installed into comes first.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
    )
    config = json.loads((tmp_path / ".jupyter" / "jupyter_server_config.json").read_text())
    assert config["VoilaConfiguration"] == {
        "template": "secure-base",
        "strip_sources": True,
        "show_tracebacks": False,
    }
    assert config["MappingKernelManager"]["cull_connected"] is False
    assert config["VoilaExecutor"]["iopub_timeout"] == 60
    assert config["VoilaExporter"] == {"optimistic_validation": True}
    assert "KernelManager" not in config  # local-socket kernels do not work under Jupyter Server


def test_start_keeps_journals_in_the_browser():
    out = subprocess.run(
        ["bash", str(BINDER / "start"), "printenv", "SECURE_BASE_STORE"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.strip() == "browser"
    for script in ("postBuild", "start"):
        text = (BINDER / script).read_text()
        assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
        assert os.access(BINDER / script, os.X_OK)


def test_binder_builds_with_a_python_the_course_supports():
    from packaging.specifiers import SpecifierSet

    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert SpecifierSet(project["requires-python"]).contains(runtime.removeprefix("python-") + ".0")


def test_repo2docker_reads_the_binder_folder_and_writes_a_build_from_it():
    """repo2docker's own tooling, as far as a machine without a Docker engine allows."""
    import shutil

    tool = shutil.which("repo2docker") or str(Path(sys.executable).with_name("repo2docker"))
    result = subprocess.run(
        [tool, "--no-build", "--no-run", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    script = result.stdout + result.stderr
    assert "Building conda environment for python=3.11" in script
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in script
    assert "RUN ./binder/postBuild" in script
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in script


def test_the_server_extension_gives_voila_the_course_handlers_and_is_switched_on():
    """Where Voilà runs inside a Jupyter server, the course's extension changes its handlers."""
    from tornado.web import Application
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
    from voila.tornado.handler import TornadoVoilaHandler

    from widgets.server.errors import GentleShutdown, GivesXsrfCookie
    from widgets.server.extension import install

    app = Application()
    app.add_handlers(
        ".*$",
        [
            ("/voila/render/(.*)", TornadoVoilaHandler),
            ("/voila/api/shutdown/(.*)", VoilaShutdownKernelHandler),
        ],
    )
    assert install(app) == 2
    assert install(app) == 0  # once only
    targets = {
        rule.matcher.regex.pattern: rule.target for rule in app.default_router.rules[0].target.rules
    }
    assert issubclass(targets["/voila/render/(.*)$"], GivesXsrfCookie)
    assert issubclass(targets["/voila/render/(.*)$"], TornadoVoilaHandler)
    assert targets["/voila/api/shutdown/(.*)$"] is GentleShutdown
    switch = ROOT / "widgets/server/_jupyter/jupyter_server_config.d/secure-base.json"
    assert json.loads(switch.read_text())["ServerApp"]["jpserver_extensions"] == {
        "widgets.server.extension": True
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shared = project["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert (
        shared[str(switch.relative_to(ROOT))]
        == "etc/jupyter/jupyter_server_config.d/secure-base.json"
    )
