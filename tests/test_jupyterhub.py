"""The course on a local JupyterHub, configured as `secure-base jupyterhub-config` prints.

Only the test's own choices are added to the printed configuration: a throwaway authenticator and
local-process spawner (an organisation would use its single sign-on and a container or systemd
spawner), ports, and a home folder per user. Two members of staff log in; each lands on the
welcome module, writes a reflection, and finds it in their own journal in their own home.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from widgets.server import hub_config

from .conftest import ARTIFACTS, wait_until_ready
from .harness import free_port, stop, wait_for_http

PASSWORD = "course-test-password"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    proxy = shutil.which("configurable-http-proxy")
    if proxy is None:
        message = "configurable-http-proxy was not found: npm install -g configurable-http-proxy"
        if os.environ.get("CI"):
            pytest.fail(message + " (the JupyterHub test must run in CI)")
        pytest.skip(message)
    where = tmp_path_factory.mktemp("hub")
    homes = where / "homes"
    homes.mkdir()
    port, hub_port, api_port = free_port(), free_port(), free_port()
    bin_dir = Path(sys.executable).parent
    config = where / "jupyterhub_config.py"
    config.write_text(
        hub_config()
        + f"""
# -- this test's own choices -----------------------------------------------------------------
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{where / "hub.sqlite"}"
c.JupyterHub.cookie_secret_file = "{where / "cookie_secret"}"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{homes}/{{username}}"
c.Spawner.cmd = [{str(bin_dir / "jupyterhub-singleuser")!r}]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL"]
{'c.Spawner.args.append("--allow-root")' if os.geteuid() == 0 else ""}
"""
    )
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("SECURE_BASE_JOURNAL", None)
    process = subprocess.Popen(
        [str(bin_dir / "jupyterhub"), "-f", str(config)],
        cwd=where,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(where / "hub.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/hub/api", process, "JupyterHub", log=where / "hub.log")
        yield base, homes
    finally:
        stop(process, timeout=60)  # the hub stops the learners' servers and its proxy


def _log_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/hub/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/user/{name}/voila/render/00_welcome.ipynb**", timeout=120_000)
    wait_until_ready(page, "00_welcome.ipynb")


def test_each_member_of_staff_has_the_course_and_a_journal_of_their_own(hub, chromium):
    base, homes = hub
    written = {"alice": "Alice: we check in after every duty day", "bob": "Bob: a buddy rota"}
    contexts = []
    try:
        for name, text in written.items():
            context = chromium.new_context(locale="en-GB")
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(120_000)
            _log_in(page, base, name)
            assert page.locator("main#main-content").count() == 1  # the course's template
            page.get_by_role("link", name="Next: Availability →").first.click()
            wait_until_ready(page, "01_availability.ipynb")
            box = page.locator(".sb-reflection textarea").first
            assert box.input_value() == ""  # nobody else's writing
            box.fill(text)
            page.locator(".sb-reflection .sb-status", has_text="Saved").first.wait_for()
            if name == "alice":
                page.screenshot(path=str(ARTIFACTS / "jupyterhub-availability.png"))
        for name, text in written.items():
            journal = homes / name / ".local" / "share" / "secure-base" / "journal.json"
            assert journal.stat().st_mode & 0o777 == 0o600  # readable by its owner alone
            content = journal.read_text(encoding="utf-8")
            assert text in content
            others = [t for n, t in written.items() if n != name]
            assert not any(t in content for t in others)
    finally:
        for context in contexts:
            context.close()
