"""The course on a local JupyterHub, configured as `secure-base jupyterhub-config` prints.

Only the test's own choices are added to the printed configuration: a throwaway authenticator and
local-process spawner (an organisation would use its single sign-on and a container or systemd
spawner), ports, a home folder per user, a trainer in the trainers' group, and the hub's own
environment (a throwaway PostgreSQL's address in a file, for the dashboard service alone). Two
members of staff log in; each lands on the welcome module, writes a reflection, and finds it in
their own journal in their own home. Then a workshop: the trainer starts a cohort on the
dashboard service, two learners share from their own servers, and the trainer watches the
room's picture fill in; learners are refused the dashboard and each other's shares.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest
from playwright.sync_api import expect

from widgets.content import load_course
from widgets.server import hub_config
from widgets.server.settings import DASHBOARD_SERVICE
from widgets.workshop.cohort import CohortStore, new_device, owner_keys, share_file

from .conftest import ARTIFACTS, audit, wait_until_ready
from .harness import free_port, stop, wait_for_http

PASSWORD = "course-test-password"
TRAINER = "tess"
SERVICE = f"/services/{DASHBOARD_SERVICE}/"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, postgres_url):
    proxy = shutil.which("configurable-http-proxy")
    if proxy is None:
        message = "configurable-http-proxy was not found: npm install -g configurable-http-proxy"
        if os.environ.get("CI"):
            pytest.fail(message + " (the JupyterHub test must run in CI)")
        pytest.skip(message)
    where = tmp_path_factory.mktemp("hub")
    homes = where / "homes"
    homes.mkdir()
    port, hub_port, api_port, service_port = free_port(), free_port(), free_port(), free_port()
    bin_dir = Path(sys.executable).parent
    config = where / "jupyterhub_config.py"
    config.write_text(
        hub_config(dashboard_url=f"http://127.0.0.1:{service_port}")
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
c.JupyterHub.load_groups = {{"trainers": {{"users": [{TRAINER!r}]}}}}
"""
    )
    # The cohort database's address, in a file only the hub's account reads; the hub hands the
    # file's name to the dashboard service alone.
    address = where / "cohort-db"
    address.write_text(postgres_url + "\n")
    address.chmod(0o600)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for name in ("SECURE_BASE_JOURNAL", "SECURE_BASE_COHORT_DB", "SECURE_BASE_SHARE_SECRET"):
        env.pop(name, None)
    env["SECURE_BASE_COHORT_DB_FILE"] = str(address)
    env["SECURE_BASE_SHARE_SECRET_FILE"] = str(where / "share-secret")
    env["SECURE_BASE_MIN_ANSWERS"] = "3"
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
        _wait_for_answer(f"http://127.0.0.1:{service_port}{SERVICE}", process, where / "hub.log")
        yield SimpleNamespace(
            base=base,
            homes=homes,
            process=process,
            service=f"http://127.0.0.1:{service_port}{SERVICE}",
            secret_file=where / "share-secret",
            database=postgres_url,
        )
    finally:
        stop(process, timeout=60)  # the hub stops the learners' servers and its proxy


def _wait_for_answer(url: str, process, log: Path, timeout: float = 60) -> None:
    """Wait until ``url`` answers at all (any status: the service refuses a stranger)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text()[-3000:]
                raise RuntimeError(f"the dashboard service did not start:\n{tail}") from None
            time.sleep(0.3)


def _log_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/hub/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/user/{name}/voila/render/00_welcome.ipynb**", timeout=120_000)
    wait_until_ready(page, "00_welcome.ipynb")


def test_each_member_of_staff_has_the_course_and_a_journal_of_their_own(hub, chromium):
    base, homes = hub.base, hub.homes
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


# -- the workshop on the hub -------------------------------------------------------------------
COURSE = load_course()
NOTE = '<img src=x onerror="window.__pwned = 1">We never talk about the hard visits'


def _rate(page, levels: list[str]) -> None:
    for statement, level in zip(
        COURSE.statements_for("availability", "general"), levels, strict=True
    ):
        page.get_by_role("radiogroup", name=statement.text).get_by_label(level, exact=True).check()
    page.locator(".sb-assessment .sb-status", has_text="answered").first.wait_for()


def _server_environment(hub, name: str) -> dict[str, str]:
    """The environment of ``name``'s own single-user server, as the hub started it."""
    for child in psutil.Process(hub.process.pid).children(recursive=True):
        try:
            env = child.environ()
        except psutil.Error:
            continue
        if env.get("JUPYTERHUB_USER") == name and "jupyterhub-singleuser" in " ".join(
            child.cmdline()
        ):
            return env
    raise AssertionError(f"{name}'s server is not running")


def _call(url: str, token: str, method: str = "GET", body: object = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, {"text": text.decode(errors="replace")}


def _socket_status(url: str, token: str | None) -> int:
    """The status the dashboard's websocket answers with: 101 once upgraded, else the refusal."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def attempt() -> int:
        headers = {"Authorization": f"token {token}"} if token else {}
        try:
            connection = await websocket_connect(HTTPRequest(url, headers=headers))
        except HTTPClientError as exc:
            return exc.code
        connection.close()
        return 101

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, attempt()).result()


def test_learners_share_from_their_own_servers_and_only_the_trainer_sees_the_room(hub, chromium):
    contexts = {
        name: chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        for name in ("tess", "alice", "bob")
    }
    try:
        pages = {name: context.new_page() for name, context in contexts.items()}
        for page in pages.values():
            page.set_default_timeout(120_000)

        # The trainer signs in through the hub straight to the dashboard, and starts a cohort.
        board = pages["tess"]
        board.goto(hub.base + SERVICE)
        board.get_by_label("Username").fill(TRAINER)
        board.get_by_label("Password").fill(PASSWORD)
        board.get_by_role("button", name="Sign in").click()
        try:
            board.wait_for_url(f"**{SERVICE}", timeout=20_000)
        except Exception:
            print("DEBUG", board.url, board.content()[:3000])
            print((hub.homes.parent / "hub.log").read_text()[-6000:])
            raise
        board.get_by_label("The workshop’s name").fill("Spring supervisors")
        board.get_by_role("button", name="Start the cohort").click()
        head = board.locator(".sb-cohort-head")
        expect(head).to_contain_text("0 people have shared")
        code = re.search(r"[A-Z0-9]{3}-[A-Z0-9]{3}", head.inner_text()).group(0)

        # Two learners rate their team and share, each from their own server on the hub.
        for name, levels in (
            ("alice", ["Partly in place"] * 3),
            ("bob", ["Beginning", "Beginning", "Not yet"]),
        ):
            page = pages[name]
            _log_in(page, hub.base, name)
            page.goto(f"{hub.base}/user/{name}/voila/render/01_availability.ipynb")
            wait_until_ready(page, "01_availability.ipynb")
            _rate(page, levels)
            page.goto(f"{hub.base}/user/{name}/voila/render/09_share.ipynb")
            page.wait_for_selector("nav.sb-nav >> nth=1", state="attached")
            page.get_by_label("Cohort code").fill(code.lower())
            page.get_by_role("button", name="Join").click()
            page.locator(
                ".sb-share-state", has_text="You have joined Spring supervisors"
            ).wait_for()
            page.get_by_role("button", name="Share my ratings").click()
            page.locator(".sb-share .sb-status", has_text="Shared: 1 rating").wait_for()
        alice = pages["alice"]
        alice.get_by_label("An anonymous note to the room (optional)").fill(NOTE)
        alice.get_by_role("button", name="Post my note").click()
        alice.locator(".sb-share .sb-status", has_text="Posted to the room").wait_for()

        # The dashboard brings the shares in by itself; below the threshold, no cell shows.
        expect(head).to_contain_text("2 people have shared", timeout=30_000)
        grid = board.locator(".sb-cohort-grid")
        expect(grid.locator("td.sb-cell-hidden")).to_have_count(20)
        expect(board.locator(".sb-note")).to_contain_text("<img src=x onerror=")
        assert board.evaluate("window.__pwned") is None

        # A third learner's share file (added as a trainer would): the cell appears, live.
        store = CohortStore(hub.database, COURSE)
        try:
            store.import_share_file(
                code, share_file(COURSE, new_device(), {("availability", "general"): 4})
            )
            expect(head).to_contain_text("3 people have shared", timeout=30_000)
            row = grid.locator("tr", has=board.get_by_role("rowheader", name="Availability"))
            # (2 + 1 + 4) / 3: Bob's 1, 1, 0 is shared as its nearest level, 1.
            expect(row.locator("td").first).to_contain_text("3 answers, average 2.3 of 4")
            expect(row.locator("td").first).to_contain_text(
                "Not yet 0, Beginning 1, Partly 1, Mostly 0, Well established 1"
            )
            board.screenshot(path=str(ARTIFACTS / "jupyterhub-dashboard.png"), full_page=True)
            audit(board, "the trainers' dashboard on the hub")
            # The trainer's own forms work through the hub (the XSRF check passes).
            board.get_by_role("button", name="Hide note 1").click()
            expect(board.locator(".sb-note-hidden")).to_have_text("Note 1 is hidden.")

            # The store holds one share per person, under a keyed hash, never the name.
            secret = hub.secret_file.read_text(encoding="utf-8").strip().encode()
            with store.engine.connect() as db:
                owners = {
                    r[0]
                    for r in db.exec_driver_sql(
                        "SELECT DISTINCT device FROM shares WHERE cohort = %(c)s", {"c": code}
                    )
                }
                everything = json.dumps(
                    [list(r) for r in db.exec_driver_sql("SELECT * FROM shares")]
                    + [list(r) for r in db.exec_driver_sql("SELECT * FROM notes")],
                    default=str,
                )
            assert len(owners) == 3
            for name in ("alice", "bob"):
                assert owner_keys(secret, code, name)[0] in owners
                assert hashlib.sha256(name.encode()).hexdigest() not in owners
                assert name not in everything
        finally:
            store.close()

        # Learners' servers hold no database address and no secret.
        alice_env = _server_environment(hub, "alice")
        token = alice_env["JUPYTERHUB_API_TOKEN"]
        assert not any(
            k.startswith(("SECURE_BASE_COHORT_DB", "SECURE_BASE_SHARE")) for k in alice_env
        )
        assert hub.database not in json.dumps(alice_env)

        # Alice may read her own share through the service, and not Bob's, nor change his.
        api = f"{hub.service}api/cohorts/{code}/users"
        assert _call(f"{api}/alice", token)[0] == 200
        status, answer = _call(f"{api}/bob", token, "PUT", {"ratings": {"availability/general": 0}})
        assert status == 403 and "only your own" in answer["message"]
        assert _call(f"{api}/bob", token)[0] == 403
        assert _call(f"{api}/bob", token, "DELETE")[0] == 403
        assert _call(f"{api}/alice", "not-a-token")[0] == 403
        expect(head).to_contain_text("3 people have shared")

        # A learner opening the dashboard is refused, by the hub and by the service itself.
        refused = alice.goto(f"{hub.base}{SERVICE}cohorts/{code}")
        assert refused.status == 403
        assert "Spring supervisors" not in alice.content()
        assert _call(f"{hub.service}cohorts/{code}", token)[0] == 403
        live = (
            f"ws://127.0.0.1:{hub.service.split(':')[2].split('/')[0]}{SERVICE}cohorts/{code}/live"
        )
        assert _socket_status(live, token) == 403
        assert _socket_status(live, None) == 403
    finally:
        for context in contexts.values():
            context.close()
