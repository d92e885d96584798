"""The course in a real browser: Voilà, served by ``secure-base serve``, in headless Chromium."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from widgets.content import load_course, load_scenarios

from .conftest import ARTIFACTS, CourseServer, audit, open_module, wait_until_ready
from .harness import free_port, stop, wait_for_http

pytestmark = pytest.mark.browser
COURSE = load_course()


@pytest.mark.parametrize("module", COURSE.modules, ids=lambda m: m.key)
def test_every_module_renders_without_errors_or_code(page, course_server, module):
    open_module(page, course_server, module.file)
    page.screenshot(path=str(ARTIFACTS / f"{module.file[:-6]}.png"))
    assert (
        page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .jp-InputPrompt").count()
        == 0
    )
    errors = page.locator(
        '[data-mime-type="application/vnd.jupyter.stderr"], '
        '[data-mime-type="application/vnd.jupyter.error"], .jp-RenderedText'
    )
    assert errors.count() == 0, errors.all_inner_texts()
    text = page.locator("body").inner_text()
    for leak in ("Traceback", "Error", "from widgets import", "course_page(", "page.reflect"):
        assert leak not in text
    title = COURSE.title if module.key == "welcome" else module.title
    assert page.locator("h1").first.inner_text() == title
    assert page.title() == (title if module.key == "welcome" else f"{title} · {COURSE.title}")
    assert page.locator("h1").count() == 1
    if module.domain:
        for prompt in COURSE.prompts_for(module.domain):
            assert page.get_by_label(prompt.text, exact=True).count() == 1, prompt.id
    if module.key == "welcome":
        assert page.get_by_role("img", name="The team as a secure base model").count() == 1
    if module.key in ("welcome", "closing"):
        assert page.get_by_role("heading", name="Credits and references").count() == 1


def scripts_fetched(page) -> list[tuple[str, int]]:
    """Every component script the page fetches from the course's route, with its status."""
    fetched: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: (
            fetched.append((r.url.split("?")[0], r.status))
            if "/secure-base/scripts/" in r.url
            else None
        ),
    )
    return fetched


def check_scripts_fetched_once(page, fetched: list[tuple[str, int]], base: str) -> None:
    # One fetch for each kind of component (a reflection stage, the self-assessment, a scenario
    # player, the action form, the page's store), however many of that kind the page draws.
    # The action form is the last component drawn, and wait_until_ready does not wait for it.
    page.wait_for_selector("form.sb-action-form", state="attached")
    urls = [url for url, _ in fetched]
    assert all(status == 200 for _, status in fetched), fetched
    assert len(urls) == len(set(urls)), urls
    kinds = {url.partition("/secure-base/scripts/")[2].partition("/")[2] for url in urls}
    assert {
        "pages/component.js,pages/reflection.js",
        "pages/component.js,pages/assessment.js",
        "pages/component.js,pages/player.js",
        "pages/component.js,pages/actions.js",
        "journal/browser_store.js",
    } <= kinds, kinds
    assert all(url.startswith(f"{base}/secure-base/scripts/") for url in urls), urls


def test_a_module_fetches_each_kind_of_component_s_script_once(page, course_server):
    fetched = scripts_fetched(page)
    open_module(page, course_server, "01_availability.ipynb")
    check_scripts_fetched_once(page, fetched, f"http://127.0.0.1:{course_server.port}")
    # The components are drawn by those scripts: a reflection box can be typed in.
    prompt = COURSE.prompts_for("availability", "fine_tuning")[0]
    page.get_by_label(prompt.text, exact=True).fill("Drawn by a script fetched once.")
    assert page.get_by_label(prompt.text, exact=True).input_value() == (
        "Drawn by a script fetched once."
    )


def test_previous_next_and_contents_move_between_modules(page, course_server):
    open_module(page, course_server, "00_welcome.ipynb")
    page.get_by_role("link", name="Next: Availability →").first.click()
    wait_until_ready(page, "01_availability.ipynb")
    assert page.url.split("?")[0].endswith("/voila/render/01_availability.ipynb")
    page.get_by_role("link", name="← Previous: Welcome").first.click()
    wait_until_ready(page, "00_welcome.ipynb")
    page.locator("summary", has_text="Contents").first.click()
    page.get_by_role("link", name="Team belonging", exact=True).first.click()
    wait_until_ready(page, "05_belonging.ipynb")
    assert page.url.split("?")[0].endswith("/05_belonging.ipynb")
    assert len(page.context.pages) == 1, "a module opened in a new tab"


def test_a_reflection_survives_a_reload_and_reaches_the_closing_module(page, course_server):
    prompt = COURSE.prompts_for("availability", "general")[1]
    hostile = 'Morning check-ins help. <img src=x onerror="document.title=1"> & <b>more</b>'
    open_module(page, course_server, "01_availability.ipynb")
    box = page.get_by_label(prompt.text, exact=True)
    box.click()
    box.press_sequentially(hostile, delay=5)
    status = page.locator(".sb-reflection", has=box).locator(".sb-status")
    status.get_by_text(re.compile(r"Saved at \d\d:\d\d")).wait_for()
    page.screenshot(path=str(ARTIFACTS / "reflection-saved.png"))

    page.reload()
    wait_until_ready(page, "01_availability.ipynb")
    assert page.get_by_label(prompt.text, exact=True).input_value() == hostile

    open_module(page, course_server, "06_closing.ipynb")
    answer = page.locator(".sb-summary-answer", has_text="Morning check-ins help.")
    assert answer.inner_text() == hostile
    assert page.locator(".sb-summary-domain img").count() == 0
    assert page.locator(".sb-summary-domain", has_text=prompt.text).count() == 1
    page.screenshot(path=str(ARTIFACTS / "closing-with-reflection.png"))


def test_ctrl_c_stops_the_course_and_its_kernels(page, tmp_path):
    server = CourseServer(tmp_path / "journal.json")
    try:
        open_module(page, server, "02_sensitivity.ipynb")
        kernels = server.kernels()
        assert kernels, "no kernel was running for the open page"
    finally:
        code = server.stop(sig=signal.SIGINT)
    assert code == 0, "".join(server.output)
    deadline = time.monotonic() + 15
    while any(k.is_running() and k.status() != psutil.STATUS_ZOMBIE for k in kernels):
        assert time.monotonic() < deadline, "kernels outlived the course server"
        time.sleep(0.2)
    assert "The course has stopped" in "".join(server.output)


def test_kernels_of_closed_pages_are_culled_and_open_pages_kept(chromium, tmp_path):
    server = CourseServer(tmp_path / "journal.json", extra=("--cull-after=2",))
    try:
        stays = chromium.new_context()
        leaves = chromium.new_context()
        open_module(stays.new_page(), server, "03_acceptance.ipynb")
        kept = set(server.kernels())
        open_module(leaves.new_page(), server, "04_cooperation.ipynb")
        gone = set(server.kernels()) - kept
        assert len(kept) == 1 and len(gone) == 1
        leaves.close()
        deadline = time.monotonic() + 30
        while set(server.kernels()) & gone:
            assert time.monotonic() < deadline, "the closed page's kernel was never culled"
            time.sleep(0.5)
        time.sleep(3)  # well past the idle limit: the open page's kernel must still be there
        assert set(server.kernels()) == kept
        stays.close()
    finally:
        assert server.stop() == 0


def test_twenty_learners_close_their_tabs_and_their_kernels_go_within_ten_seconds(
    chromium, tmp_path
):
    """Closing a page shuts its kernel down at once (the page has the cookie Jupyter Server's
    protection against forged requests asks for); culling is only the safety net, set long here."""
    server = CourseServer(tmp_path / "journal.json", extra=("--cull-after=3600",))
    contexts = []
    try:
        for _group in range(5):  # four at a time, as a room arrives
            pages = []
            for _ in range(4):
                context = chromium.new_context()
                contexts.append(context)
                page = context.new_page()
                page.set_default_timeout(90_000)
                page.goto(server.module_url("07_accessibility.ipynb"), wait_until="commit")
                pages.append(page)
            for page in pages:
                page.wait_for_selector("nav.sb-nav >> nth=1", state="attached")
        opened = set(server.kernels())
        assert len(opened) == 20
        for context in contexts:
            for page in context.pages:
                page.close(run_before_unload=True)
        deadline = time.monotonic() + 10
        while set(server.kernels()) & opened:
            left = len(set(server.kernels()) & opened)
            assert time.monotonic() < deadline, f"{left} of 20 kernels still running after 10 s"
            time.sleep(0.25)
        log = "".join(server.output)
        assert "403 POST /voila/api/shutdown" not in log
    finally:
        for context in contexts:
            context.close()
        assert server.stop() == 0


def test_words_typed_just_before_the_tab_closes_still_reach_the_journal(chromium, tmp_path):
    """The kernel of a closed page is shut down a moment after the page asks, not at once."""
    from widgets.journal import FileStore

    server = CourseServer(tmp_path / "journal.json")
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        open_module(page, server, "04_cooperation.ipynb")
        kernels = set(server.kernels())
        prompt = COURSE.prompts_for("cooperation", "practical")[0]
        page.get_by_label(prompt.text, exact=True).fill("Typed as the meeting began.")
        page.close(run_before_unload=True)  # at once: no waiting for "Saved"
        deadline = time.monotonic() + 10
        while set(server.kernels()) & kernels:
            assert time.monotonic() < deadline, "the closed page's kernel is still running"
            time.sleep(0.25)
        journal, _ = FileStore(tmp_path / "journal.json").load()
        assert journal.reflection(prompt.id) == "Typed as the meeting began."
    finally:
        context.close()
        assert server.stop() == 0


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory):
    """JupyterLab with Voilà as a server extension, as Binder runs the course."""
    port = free_port()
    token = "course-test-token"
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "SECURE_BASE_JOURNAL": str(tmp_path_factory.mktemp("lab") / "j.json"),
        # The course's template and its server extension's switch from this checkout, ahead of
        # any copy installed earlier.
        "JUPYTER_PATH": str(root / "widgets" / "server" / "_jupyter"),
        "JUPYTER_CONFIG_PATH": str(root / "widgets" / "server" / "_jupyter"),
    }
    args = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        # As Binder's configuration will: every page in the course's own template.
        "--VoilaConfiguration.template=secure-base",
        f"--ServerApp.root_dir={root}",
        # Under a prefix, as on Binder and JupyterHub (/user/<name>/).
        "--ServerApp.base_url=/user/a-learner/",
    ]
    if os.geteuid() == 0:
        args.append("--allow-root")
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/user/a-learner"
        wait_for_http(f"{base}/api/status?token={token}", process, "JupyterLab", 90)
        yield base, token
    finally:
        stop(process)


def test_navigation_on_the_binder_route(page, jupyter_server):
    base, token = jupyter_server
    fetched = scripts_fetched(page)
    # Binder's configuration asks for the course's template; the URL can ask for it too.
    page.goto(f"{base}/voila/render/course/01_availability.ipynb?token={token}")
    wait_until_ready(page, "01_availability.ipynb")
    # The course's server extension serves the components' scripts under the server's base URL.
    check_scripts_fetched_once(page, fetched, base)
    assert page.locator("main#main-content").count() == 1
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor").count() == 0
    page.get_by_role("link", name="Next: Sensitivity →").first.click()
    wait_until_ready(page, "02_sensitivity.ipynb")
    assert page.url.split("?")[0] == f"{base}/voila/render/course/02_sensitivity.ipynb"


def test_on_the_binder_route_a_closed_page_frees_its_kernel_in_seconds(chromium, jupyter_server):
    """Voilà inside a Jupyter server (Binder, JupyterHub): the course's server extension lets the
    closing page's shutdown request through."""
    import json
    import urllib.request

    base, token = jupyter_server

    def kernel_ids() -> set[str]:
        with urllib.request.urlopen(f"{base}/api/kernels?token={token}") as response:
            return {k["id"] for k in json.load(response)}

    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(f"{base}/voila/render/course/04_cooperation.ipynb?token={token}")
        wait_until_ready(page, "04_cooperation.ipynb")
        mine = page.evaluate(
            "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        )
        assert mine in kernel_ids()
        prompt = COURSE.prompts_for("cooperation", "sustaining")[0]
        page.get_by_label(prompt.text, exact=True).fill("Closed straight after typing.")
        page.close(run_before_unload=True)
        deadline = time.monotonic() + 10
        while mine in kernel_ids():
            assert time.monotonic() < deadline, "the closed page's kernel is still running"
            time.sleep(0.25)
    finally:
        context.close()


def test_navigation_in_jupyterlab(page, jupyter_server):
    base, token = jupyter_server
    page.goto(f"{base}/lab/tree/course/00_welcome.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
    # Wait until the kernel is ready, then run every cell from the Run menu.
    page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).first.wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    link = page.locator(".jp-OutputArea nav.sb-nav a", has_text="Next: Availability").first
    link.wait_for()
    link.click()
    page.locator(".lm-TabBar-tab", has_text="01_availability.ipynb").first.wait_for()
    assert len(page.context.pages) == 1


def test_a_scenario_played_to_an_ending_is_there_after_a_reload(page, course_server):
    scenario = next(s for s in load_scenarios() if s.domain == "acceptance")
    path = scenario.paths()[-1]
    open_module(page, course_server, "03_acceptance.ipynb")
    card = page.locator(".sb-scenario", has=page.get_by_role("heading", name=scenario.title))
    assert card.get_by_text("Status: Not started").count() == 1
    for here, there in zip(path, path[1:], strict=False):
        label = next(c.label for c in scenario.get(here).choice if c.next == there)
        card.get_by_role("button", name=label, exact=True).click()
        card.locator(".sb-status", has_text="Saved").wait_for()
    ending = scenario.get(path[-1])
    card.get_by_role("heading", name=f"Ending: {ending.ending}").wait_for()
    card.locator(".sb-status", has_text="Saved: you reached an ending").wait_for()
    # Focus went to the new step's heading; the card's status came with the server's reply.
    assert page.evaluate("document.activeElement.textContent.trim()") == f"Ending: {ending.ending}"
    card.locator(".sb-scenario-status", has_text=f"ending reached: {ending.ending}").wait_for()
    page.wait_for_function(
        "() => !Object.keys(localStorage).some(k => k.startsWith('secure-base:unsaved:'))"
    )
    card.screenshot(path=str(ARTIFACTS / "scenario-ending.png"))

    page.reload()
    wait_until_ready(page, "03_acceptance.ipynb")
    card = page.locator(".sb-scenario", has=page.get_by_role("heading", name=scenario.title))
    card.get_by_role("heading", name=f"Ending: {ending.ending}").wait_for()
    assert card.get_by_text(f"ending reached: {ending.ending}").count() == 1
    card.locator(".sb-trail summary").click()
    first_label = next(c.label for c in scenario.get(path[0]).choice if c.next == path[1])
    assert card.locator(".sb-trail li").first.inner_text() == first_label

    open_module(page, course_server, "06_closing.ipynb")
    done = page.locator(".sb-scenarios-done li", has_text=scenario.title)
    assert ending.ending in done.inner_text()


def test_a_scenario_step_is_taken_at_once_with_the_server_gone_and_saved_by_the_next(
    chromium, tmp_path
):
    """The browser walks the story itself: a step needs no server, and is kept until saved."""
    from widgets.journal import Journal
    from widgets.reports.runs import ScenarioRun

    scenario = next(s for s in load_scenarios() if s.domain == "availability")
    first = scenario.get(scenario.start).choice[0]
    then = scenario.get(first.next).choice[0]
    run = ScenarioRun(scenario)
    run.choose(0)
    run.choose(0)
    heading = f"Ending: {run.node.ending}" if run.ended else "Step 3"
    journal = tmp_path / "journal.json"
    server = CourseServer(journal)
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(60_000)
    again = None
    key = f"secure-base:unsaved:scenario/{scenario.id}"
    try:
        open_module(page, server, "01_availability.ipynb")
        card = page.locator(".sb-scenario", has=page.get_by_role("heading", name=scenario.title))
        card.get_by_role("button", name=first.label, exact=True).click()
        card.locator(".sb-status", has_text="Saved").wait_for()

        server.kill()
        card.get_by_role("button", name=then.label, exact=True).click()
        # At once, with no server to ask: the next step, and focus on its heading.
        assert card.get_by_role("heading", name=heading, exact=True).count() == 1
        assert page.evaluate("document.activeElement.textContent.trim()") == heading
        card.locator(".sb-status", has_text="Not saved").wait_for(timeout=10_000)
        assert "kept in this web browser" in card.locator(".sb-status").inner_text()
        kept = page.evaluate("(key) => JSON.parse(localStorage.getItem(key))", key)
        assert kept["value"] == run.record()

        # The course started again on the same address: the next visit saves the step.
        again = CourseServer(journal, port=server.port)
        open_module(page, again, "01_availability.ipynb")
        card = page.locator(".sb-scenario", has=page.get_by_role("heading", name=scenario.title))
        card.get_by_role("heading", name=heading, exact=True).wait_for()
        page.wait_for_function("(key) => localStorage.getItem(key) === null", arg=key)
        assert Journal.loads(journal.read_bytes()).scenario(scenario.id) == run.record()
    finally:
        context.close()
        if again is not None:
            again.stop()
        server.stop()  # already gone if it was killed: then this does nothing


def test_a_journal_file_loaded_in_a_fresh_browser_and_then_everything_deleted(chromium, tmp_path):
    from widgets.journal import Journal

    prompt = COURSE.prompts_for("sensitivity", "general")[2]
    carried = Journal()
    carried.set_reflection(prompt.id, "Carried over from another computer.")
    upload = tmp_path / "my-journal.json"
    upload.write_text(carried.dumps(), encoding="utf-8")
    bad = tmp_path / "not-a-journal.json"
    bad.write_text('{"hello": "world"}', encoding="utf-8")

    server = CourseServer(tmp_path / "fresh" / "journal.json")
    context = chromium.new_context()  # a fresh profile
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_module(page, server, "08_privacy.ipynb")
        choose = page.get_by_role("button", name=re.compile("^Load a journal file"))
        with page.expect_file_chooser() as chooser:
            choose.click()
        chooser.value.set_files(str(bad))
        page.locator("#main-content").get_by_text(
            "not a Team as a Secure Base journal. Nothing was changed."
        ).wait_for()
        with page.expect_file_chooser() as chooser:
            choose.click()
        chooser.value.set_files(str(upload))
        page.locator("#main-content").get_by_text(
            re.compile(r"^Loaded\. 1 entry was added")
        ).wait_for()
        audit(page, "privacy page after loading a journal file")

        open_module(page, server, "02_sensitivity.ipynb")
        assert page.get_by_label(prompt.text, exact=True).input_value() == (
            "Carried over from another computer."
        )

        open_module(page, server, "08_privacy.ipynb")
        page.get_by_role("button", name="Delete everything").click()
        page.locator("#main-content").get_by_text(
            "Tick the box to confirm first. Nothing was deleted."
        ).wait_for()
        page.get_by_label(re.compile("I understand that this deletes everything")).check()
        page.get_by_role("button", name="Delete everything").click()
        page.locator("#main-content").get_by_text(
            re.compile("^Everything has been deleted")
        ).wait_for()
        page.screenshot(path=str(ARTIFACTS / "privacy-deleted.png"), full_page=True)
        assert "Carried over" not in (tmp_path / "fresh" / "journal.json").read_text()

        open_module(page, server, "02_sensitivity.ipynb")
        assert page.get_by_label(prompt.text, exact=True).input_value() == ""
    finally:
        context.close()
        assert server.stop() == 0


def test_a_journal_file_over_the_limit_is_refused_in_the_browser(page, course_server, tmp_path):
    """A file too large to be a journal never leaves the browser, and the page says the limit."""
    big = tmp_path / "holiday-photos.json"
    big.write_bytes(b" " * (12 * 1024 * 1024))
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(len(f))))
    open_module(page, course_server, "08_privacy.ipynb")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Load a journal file").click()
    chooser.value.set_files(str(big))
    main = page.locator("#main-content")
    main.get_by_text(
        "holiday-photos.json: it is larger than 8 MB, too large to be a course journal. "
        "It was not sent."
    ).wait_for()
    main.get_by_text(
        "That file is larger than 8 MB, too large to be a course journal. Nothing was changed."
    ).wait_for()
    # The problem is announced: the page's alert region has it.
    assert "larger than 8 MB" in page.locator("#sb-live-alert").inner_text()
    assert sent and max(sent) < 1024 * 1024
    audit(page, "privacy page after refusing a file that is too large")


def test_served_to_others_the_journal_lives_in_the_browser_not_on_the_server(chromium, tmp_path):
    server = CourseServer(tmp_path / "server" / "journal.json", extra=("--store=browser",))
    learner = chromium.new_context()
    stranger = chromium.new_context()
    page = learner.new_page()
    page.set_default_timeout(60_000)
    prompt = COURSE.prompts_for("cooperation", "fine_tuning")[0]
    try:
        assert "each learner's own web browser" in "".join(server.output)
        open_module(page, server, "04_cooperation.ipynb")
        box = page.get_by_label(prompt.text, exact=True)
        box.fill("Kept in my browser only.")
        page.locator(".sb-reflection", has=box).get_by_text(re.compile("Saved at")).wait_for()
        page.wait_for_function(
            "(key) => (localStorage.getItem(key) || '').includes('Kept in my browser only.')",
            arg=f"secure-base:entry:reflection/{prompt.id}",
        )
        page.reload()
        wait_until_ready(page, "04_cooperation.ipynb")
        box = page.get_by_label(prompt.text, exact=True)
        page.wait_for_function(
            "(label) => [...document.querySelectorAll('textarea')].some("
            "t => t.labels[0] && t.labels[0].textContent === label && t.value !== '')",
            arg=prompt.text,
        )
        assert box.input_value() == "Kept in my browser only."

        open_module(page, server, "06_closing.ipynb")
        page.locator(".sb-summary-answer", has_text="Kept in my browser only.").wait_for()

        # Another browser sees nothing, and the server keeps no journal at all.
        other = stranger.new_page()
        other.set_default_timeout(60_000)
        open_module(other, server, "04_cooperation.ipynb")
        other.wait_for_timeout(1500)
        assert other.get_by_label(prompt.text, exact=True).input_value() == ""
        assert not (tmp_path / "server").exists()
        assert not list(tmp_path.rglob("journal.json*"))
    finally:
        learner.close()
        stranger.close()
        assert server.stop() == 0


def test_ratings_survive_a_reload_and_make_the_profile(chromium, tmp_path):
    server = CourseServer(tmp_path / "journal.json")
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(60_000)
    statements = COURSE.statements_for("acceptance", "general")
    try:
        open_module(page, server, "03_acceptance.ipynb")
        for statement, level in zip(
            statements, ["Beginning", "Mostly in place", "Not yet"], strict=True
        ):
            group = page.get_by_role("radiogroup", name=statement.text)
            group.get_by_label(level, exact=True).check()
        page.locator(".sb-assessment .sb-status", has_text="3 of 12 answered").wait_for()
        page.get_by_label("What will you do?", exact=True).fill("Name a debrief buddy for visits")
        page.get_by_label("Stage", exact=True).select_option(label="Fine tuning")
        page.get_by_role("button", name="Add to my action plan").click()
        page.locator(".sb-action-form .sb-status", has_text="Added.").wait_for()
        page.reload()
        wait_until_ready(page, "03_acceptance.ipynb")
        group = page.get_by_role("radiogroup", name=statements[1].text)
        assert group.get_by_label("Mostly in place", exact=True).is_checked()

        open_module(page, server, "06_closing.ipynb")
        page.get_by_role("img", name="Your team’s secure-base profile").wait_for()
        table = page.locator(".sb-profile-table")
        row = table.locator("tr", has=page.get_by_role("rowheader", name="Acceptance"))
        # (1 + 3 + 0) / 3 = 1.3 for acceptance, general considerations.
        assert row.locator("td").first.inner_text() == "1.3 of 4 (3 of 3 answered)"
        assert table.locator("td", has_text="Not answered").count() == 19
        action = page.locator(".sb-action", has_text="Name a debrief buddy for visits")
        assert "Acceptance, fine tuning" in action.inner_text()
        page.locator(".sb-profile").screenshot(path=str(ARTIFACTS / "profile.png"))
        audit(page, "closing module with a profile")
    finally:
        context.close()
        assert server.stop() == 0


def test_the_reading_links_to_the_stages_on_the_page(page, course_server):
    open_module(page, course_server, "05_belonging.ipynb")
    groups = page.get_by_role("radiogroup")
    for i in range(groups.count()):
        groups.nth(i).get_by_label("Beginning" if i else "Not yet", exact=True).check()
    reading = page.locator(".sb-reading-box")
    reading.wait_for()
    for link in reading.get_by_role("link").all():
        target = link.get_attribute("href")
        assert target.startswith("#")
        assert page.locator(f"[id='{target[1:]}']").count() == 1, target


def test_the_action_plan_is_drawn_moved_and_edited_in_the_browser(chromium, tmp_path):
    """One component: learner text shown as text, moves said in words, an edit drafted in the
    browser and kept there while the server is gone, then saved by the next server."""
    from playwright.sync_api import expect

    from widgets.journal import Journal

    hostile = '<img src=x onerror="window.__pwned = 1"> & <b>Sam</b>'
    journal = Journal()
    first = journal.add_action(
        what="Protect Thursday mornings for supervision",
        who=hostile,
        by="end of March",
        measure="",
        domain="availability",
        stage="general",
    )
    journal.add_action(
        what="Name a debrief buddy for visits",
        who="",
        by="",
        measure="Nobody drives home alone after a hard visit",
        domain="acceptance",
        stage="fine_tuning",
    )
    journal_path = tmp_path / "journal.json"
    journal_path.write_text(journal.dumps(), encoding="utf-8")
    draft_key = f"secure-base:draft:action-edit/{first}"
    draft = "(key) => JSON.parse(localStorage.getItem(key))"
    server = CourseServer(journal_path)
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(60_000)
    again = None
    try:
        open_module(page, server, "06_closing.ipynb")
        plan = page.locator(".sb-action-plan")
        titles = plan.locator(".sb-action-title")
        expect(titles).to_have_text(
            ["1. Protect Thursday mornings for supervision", "2. Name a debrief buddy for visits"]
        )
        # The learner's words are text: nothing of them became an element, nothing ran.
        assert plan.locator("img, b").count() == 0
        assert plan.locator("dd").first.inner_text() == hostile
        assert page.evaluate("window.__pwned") is None
        expect(plan.locator(".sb-action-where")).to_have_text(
            ["Availability, general considerations", "Acceptance, fine tuning"]
        )

        # At the end of the plan, moving further says so; a move takes focus to the action.
        plan.get_by_role("button", name="Move action 2 down", exact=True).click()
        expect(plan.locator(".sb-status")).to_have_text("It is already at that end of the plan.")
        plan.get_by_role("button", name="Move action 2 up", exact=True).click()
        expect(plan.locator(".sb-status")).to_have_text("Moved up.")
        expect(titles.first).to_have_text("1. Name a debrief buddy for visits")
        expect(titles.first).to_be_focused()

        # Edit opens the form at once, in the browser; what is typed is kept there as a draft.
        plan.get_by_role("button", name="Edit action 2", exact=True).click()
        what = plan.get_by_label("What will you do?", exact=True)
        expect(what).to_be_focused()
        expect(what).to_have_value("Protect Thursday mornings for supervision")
        expect(plan.get_by_label("Who with?", exact=True)).to_have_value(hostile)
        what.fill("Protect Thursday mornings, and say so in the diary")
        plan.get_by_label("Stage", exact=True).select_option(label="Practical considerations")
        kept = page.evaluate(draft, draft_key)
        assert kept["what"] == "Protect Thursday mornings, and say so in the diary"
        assert kept["stage"] == "practical" and kept["domain"] == "availability"
        audit(page, "closing module, an action being edited")
        for width in (1200, 390):
            page.set_viewport_size({"width": width, "height": 900})
            overflowing = page.evaluate(
                """() => [...document.querySelectorAll(
                      '.sb-action :is(button, input, textarea, select)')]
                  .filter(e => {
                    const box = e.closest('.sb-action').getBoundingClientRect();
                    const mine = e.getBoundingClientRect();
                    // A text box scrolls the words typed in it; a button or a list must not.
                    const clipped = /^(BUTTON|SELECT)$/.test(e.tagName)
                      && e.scrollWidth > e.clientWidth + 1;
                    return mine.right > box.right + 0.5 || mine.left < box.left - 0.5 || clipped;
                  })
                  .map(e => e.outerHTML.slice(0, 120))"""
            )
            assert overflowing == [], f"at {width}px: {overflowing}"
        page.set_viewport_size({"width": 1200, "height": 900})
        plan.screenshot(path=str(ARTIFACTS / "action-plan.png"))

        # The server goes: saving says so, and the form and its draft stay.
        server.kill()
        plan.get_by_role("button", name="Save action 2", exact=True).click()
        status = plan.locator(".sb-status")
        status.get_by_text("Not saved: the course cannot reach its server").wait_for(timeout=10_000)
        assert "kept in this web browser" in status.inner_text()
        expect(what).to_have_value("Protect Thursday mornings, and say so in the diary")
        assert page.evaluate(draft, draft_key)["stage"] == "practical"

        # The course started again on the same address: the form is back as it was left.
        again = CourseServer(journal_path, port=server.port)
        open_module(page, again, "06_closing.ipynb")
        what = plan.get_by_label("What will you do?", exact=True)
        expect(what).to_have_value("Protect Thursday mornings, and say so in the diary")
        expect(plan.get_by_label("Stage", exact=True)).to_have_value("practical")
        plan.get_by_role("button", name="Save action 2", exact=True).click()
        expect(plan.locator(".sb-status")).to_have_text("Saved.")
        expect(plan.get_by_label("What will you do?", exact=True)).to_have_count(0)
        expect(titles.nth(1)).to_have_text("2. Protect Thursday mornings, and say so in the diary")
        expect(titles.nth(1)).to_be_focused()
        expect(plan.locator(".sb-action-where").nth(1)).to_have_text(
            "Availability, practical considerations"
        )
        page.wait_for_function("(key) => localStorage.getItem(key) === null", arg=draft_key)
        saved = dict(Journal.loads(journal_path.read_bytes()).actions())[first]
        assert saved["what"] == "Protect Thursday mornings, and say so in the diary"
        assert saved["stage"] == "practical" and saved["who"] == hostile

        # Cancel closes the form with nothing sent, forgets the draft, and focus goes back.
        plan.get_by_role("button", name="Edit action 1", exact=True).click()
        plan.get_by_label("Who with?", exact=True).fill("Changed my mind")
        plan.get_by_role("button", name="Cancel", exact=True).click()
        expect(plan.get_by_role("button", name="Edit action 1", exact=True)).to_be_focused()
        assert not page.evaluate(
            "() => Object.keys(localStorage).some(k => k.startsWith('secure-base:draft:'))"
        )
        assert "Changed my mind" not in plan.inner_text()
    finally:
        context.close()
        if again is not None:
            again.stop()
        server.stop()  # already gone if it was killed: then this does nothing
