"""`secure-base workshop` as a trainer runs it: two servers, two tokens, one cohort store."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from widgets.cli import main
from widgets.content import load_course
from widgets.workshop.cohort import CohortStore, new_device

from .conftest import ARTIFACTS, audit, secure_base_command
from .harness import WorkshopServer

COURSE = load_course()
HOSTILE = '<img src=x onerror="window.__pwned = 1">Nobody asks how the visits went'


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    database = str(tmp_path_factory.mktemp("workshop") / "cohorts.sqlite")
    server = WorkshopServer(secure_base_command(), database, "--cohort=Spring supervisors")
    yield server
    server.stop()


def status(url: str) -> int:
    """The HTTP status of a GET, without following redirects (a login page is a refusal)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def run_apart(coroutine):
    """Run a coroutine in a thread of its own: Playwright's sync API holds this thread's loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def kernel_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - our own server
        html = response.read().decode()
    return re.search(r'kernelId": "([0-9a-f-]+)"', html).group(1)


def test_the_workshop_refuses_bad_settings_before_starting_anything(capsys):
    for argv, message in (
        (["workshop", "--min-answers=2"], "at least 3"),
        (["workshop", "--port=9000", "--trainer-port=9000"], "different ports"),
        (["workshop", "--port=0"], "between 1 and 65535"),
        (["workshop", "--cohort=A", "--code=ABC-DEF"], "not allowed with"),
    ):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
        assert message in capsys.readouterr().err


def test_a_database_that_cannot_be_used_is_named_before_anything_starts(capsys, tmp_path):
    (tmp_path / "folder").mkdir()
    for db, message in (
        ("mysql+pymysql://x@127.0.0.1/db", "driver for that database is not installed"),
        ("nosuchdatabase://x@127.0.0.1/db", "cohort store could not be opened"),
        (str(tmp_path / "folder"), "cohort store could not be opened"),
    ):
        with pytest.raises(SystemExit) as stopped:
            main(["workshop", f"--db={db}", "--port=1", "--trainer-port=2"])
        assert stopped.value.code == 1
        assert message in capsys.readouterr().err


def test_each_link_opens_only_its_own_server(workshop):
    learner, trainer = workshop.learner_token, workshop.trainer_token
    base = f"http://127.0.0.1:{workshop.port}/voila/render"
    board = f"http://127.0.0.1:{workshop.trainer_port}/voila/render/dashboard.ipynb"
    assert status(f"{base}/00_welcome.ipynb?token={learner}") == 200
    assert status(f"{base}/00_welcome.ipynb") in (302, 403)
    assert status(f"{board}?token={trainer}") == 200
    assert status(board) in (302, 403)
    assert status(f"{board}?token={learner}") in (302, 403)
    plan = board.replace("dashboard.ipynb", "session_plan.ipynb")
    assert status(f"{plan}?token={trainer}") == 200  # linked from the dashboard
    # The learners' server does not have the dashboard at all.
    assert status(f"{base}/dashboard.ipynb?token={learner}") == 404
    assert "Spring supervisors" in "".join(workshop.output)


def test_the_dashboard_kernel_takes_no_connection_without_the_trainer_token(workshop):
    from tornado.httpclient import HTTPClientError
    from tornado.websocket import websocket_connect

    kernel = kernel_of(workshop.trainer_url)
    channels = f"ws://127.0.0.1:{workshop.trainer_port}/api/kernels/{kernel}/channels"

    async def attempt(token: str) -> int:
        try:
            connection = await websocket_connect(channels + (f"?token={token}" if token else ""))
        except HTTPClientError as exc:
            return exc.code
        connection.close()
        return 101

    assert run_apart(attempt("")) == 403
    assert run_apart(attempt(workshop.learner_token)) == 403
    assert run_apart(attempt(workshop.trainer_token)) == 101


def test_code_sent_by_a_browser_is_never_run(workshop, tmp_path):
    from tornado.websocket import websocket_connect

    kernel = kernel_of(workshop.learner_url)
    marker = tmp_path / "ran"
    channels = (
        f"ws://127.0.0.1:{workshop.port}/api/kernels/{kernel}/channels"
        f"?token={workshop.learner_token}"
    )
    request = {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "username": "learner",
            "session": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "version": "5.3",
            "date": "",
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "content": {
            "code": f"open({str(marker)!r}, 'w').write('ran')",
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "buffers": [],
    }

    async def send() -> list[str]:
        connection = await websocket_connect(channels)
        await connection.write_message(json.dumps(request))
        seen = []
        try:
            while True:
                message = await asyncio.wait_for(connection.read_message(), 5)
                if message is None:
                    break
                seen.append(json.loads(message)["msg_type"])
        except TimeoutError:
            pass
        connection.close()
        return seen

    seen = run_apart(send())
    assert "execute_reply" not in seen and "execute_input" not in seen
    assert not marker.exists()


def _rate(page, domain: str, stage: str, levels: list[str]) -> None:
    for statement, level in zip(COURSE.statements_for(domain, stage), levels, strict=True):
        page.get_by_role("radiogroup", name=statement.text).get_by_label(level, exact=True).check()
    page.locator(".sb-assessment .sb-status", has_text="answered").first.wait_for()


def _join(page, workshop, code: str) -> None:
    page.goto(workshop.learner_page("09_share.ipynb"))
    page.get_by_label("Cohort code").fill(code)
    page.get_by_role("button", name="Join").click()
    page.locator(".sb-share-state", has_text="You have joined Spring supervisors").wait_for()


def test_two_learners_share_and_the_trainer_sees_the_room(workshop, chromium):
    learners = [chromium.new_context(locale="en-GB") for _ in range(2)]
    trainer = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        pages = [c.new_page() for c in learners]
        for page in pages:
            page.set_default_timeout(60_000)
        for page, levels in zip(
            pages, (["Partly in place"] * 3, ["Beginning", "Beginning", "Not yet"]), strict=True
        ):
            page.goto(workshop.learner_page("01_availability.ipynb"))
            page.wait_for_selector("nav.sb-nav >> nth=1", state="attached")
            _rate(page, "availability", "general", levels)
            _join(page, workshop, workshop.code.lower().replace("-", " "))
            # The learner sees exactly what will go before anything goes.
            preview = page.locator(".sb-share-preview")
            expect(preview).to_contain_text("1 rating, and nothing else")
            expect(preview).to_contain_text("Availability, general considerations")
            page.get_by_role("button", name="Share my ratings").click()
            page.locator(".sb-share .sb-status", has_text="Shared: 1 rating").wait_for()
        first = pages[0]
        first.get_by_label("An anonymous note to the room (optional)").fill(HOSTILE)
        first.get_by_role("button", name="Post my note").click()
        first.locator(".sb-share .sb-status", has_text="Posted to the room").wait_for()
        first.screenshot(path=str(ARTIFACTS / "workshop-learner-share.png"), full_page=True)
        audit(first, "share page, joined and shared")

        board = trainer.new_page()
        board.set_default_timeout(60_000)
        board.goto(workshop.trainer_url)
        head = board.locator(".sb-cohort-head")
        expect(head).to_contain_text("2 people have shared")
        expect(head).to_contain_text(workshop.code)
        grid = board.locator(".sb-cohort-grid")
        expect(grid.locator("td.sb-cell-hidden")).to_have_count(20)  # fewer than 5 everywhere
        expect(board.locator(".sb-note")).to_contain_text("<img src=x onerror=")
        assert board.evaluate("window.__pwned") is None

        # Three more learners share (as kernels of the learners' server would); the dashboard
        # picks them up by itself, and the cell they complete appears.
        store = CohortStore(workshop.database, COURSE)
        for level in (3, 4, 2):
            store.share(workshop.code, new_device(), {("availability", "general"): level})
        expect(head).to_contain_text("5 people have shared", timeout=20_000)
        expect(grid.locator("td.sb-cell-hidden")).to_have_count(19)
        row = grid.locator("tr", has=board.get_by_role("rowheader", name="Availability"))
        # (2 + 1 + 3 + 4 + 2) / 5: the second learner's 0, 1, 1 is shared as its nearest level, 1.
        expect(row.locator("td").first).to_contain_text("5 answers, average 2.4 of 4")
        expect(row.locator("td").first).to_contain_text(
            "Not yet 0, Beginning 1, Partly 2, Mostly 1, Well established 1"
        )
        expect(board.locator(".sb-focus")).to_contain_text("Availability, general considerations")
        board.screenshot(path=str(ARTIFACTS / "workshop-dashboard.png"), full_page=True)
        audit(board, "the trainer's dashboard")

        board.get_by_role("button", name="Hide note 1").click()
        expect(board.locator(".sb-note-hidden")).to_have_text("Note 1 is hidden.")
        with board.expect_download() as info:
            board.get_by_role("button", name="Prepare the cohort summary").click()
            board.get_by_role("link", name=re.compile("Download the cohort summary")).click()
        summary = info.value.path().read_text(encoding="utf-8")
        assert "5 answers, average 2.4 of 4" in summary and "onerror" not in summary

        # A learner withdraws: the count drops and the cell is hidden again.
        pages[1].get_by_role("button", name="Withdraw what I shared").click()
        pages[1].locator(".sb-share .sb-status", has_text="Withdrawn").wait_for()
        expect(head).to_contain_text("4 people have shared", timeout=20_000)
        expect(grid.locator("td.sb-cell-hidden")).to_have_count(20)
        store.close()
    finally:
        for context in (*learners, trainer):
            context.close()


def test_ctrl_c_stops_both_servers_and_keeps_what_was_shared(tmp_path):
    database = str(tmp_path / "cohorts.sqlite")
    server = WorkshopServer(secure_base_command(), database, "--cohort=Team pulse")
    children = server.servers()
    assert len(children) == 2
    store = CohortStore(database, COURSE)
    store.share(server.code, new_device(), {("belonging", "sustaining"): 3})
    store.close()
    assert server.stop() == 0
    assert not [c for c in children if c.is_running() and c.status() != "zombie"]
    assert "kept in" in "".join(server.output)
    again = CohortStore(database, COURSE)
    assert again.summary(server.code, 3).participants == 1
    again.close()


def test_share_files_through_the_real_dashboard_a_huge_one_refused_before_it_is_sent(
    workshop, chromium, tmp_path
):
    """A file over the server's message limit (10 MiB) never leaves the browser: the trainer is
    told the limit at once, the connection stays open, and the other files in the batch go in."""
    from widgets.workshop.cohort import share_file

    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (11 * 1024 * 1024))
    nested = tmp_path / "nested.json"
    nested.write_bytes(b"[" * 5000 + b"]" * 5000)
    good = tmp_path / "good.json"
    good.write_text(share_file(COURSE, new_device(), {("belonging", "practical"): 3}))
    trainer = chromium.new_context(locale="en-GB")
    sent = []
    try:
        board = trainer.new_page()
        board.set_default_timeout(60_000)
        board.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(len(f))))
        closed = []
        board.on("websocket", lambda ws: ws.on("close", lambda _ws: closed.append(True)))
        board.goto(workshop.trainer_url)
        expect(board.locator(".sb-cohort-head")).to_contain_text(workshop.code)
        add = board.get_by_role("button", name="Add share files")
        with board.expect_file_chooser() as chooser:
            add.click()
        chooser.value.set_files([str(huge), str(nested), str(good)])
        # At once, in the browser: the huge file's name and the limit.
        expect(board.locator(".sb-upload-status")).to_contain_text(
            "huge.json: it is larger than 16 KB, too large to be a share file. It was not sent."
        )
        # Then the dashboard's summary: the bad files named, the good one counted.
        status = board.locator(".sb-dashboard .sb-status").first
        expect(status).to_contain_text("1 of 3 files added (1 new, 0 updated).")
        expect(status).to_contain_text("huge.json: it is larger than 16 KB")
        expect(status).to_contain_text("nested.json: This is not a share file: its contents")
        assert max(sent) < 1024 * 1024, "a huge file went over the connection"
        assert not closed, "the dashboard lost its connection"
        # The page still works: a refresh reaches the kernel and back.
        board.get_by_role("button", name="Refresh now").click()
        expect(status).to_contain_text("Updated at")
    finally:
        trainer.close()
