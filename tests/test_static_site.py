"""The course as a static website: built once for the run, served by a plain static file server,
and used in Chromium with every host but 127.0.0.1 blocked. Any request that would leave the
machine fails the test that made it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from widgets.content import load_course, load_scenarios

from .conftest import ARTIFACTS, assert_page_layout, audit, chromium_path, wait_until_ready
from .harness import CHROMIUM_ARGS, free_port, stop, wait_for_http

COURSE = load_course()
PINS = tomllib.loads(
    (Path(__file__).parents[1] / "widgets" / "site" / "pins.toml").read_text(encoding="utf-8")
)
#: Chromium resolves no name but 127.0.0.1: a page that reaches for a CDN finds nothing there.
OFFLINE_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


@pytest.fixture(scope="session")
def static_site(tmp_path_factory):
    """The site, built once for the whole run (the slow part is fetching Pyodide the first time;
    it is then kept in the build's cache)."""
    from widgets.site.build import BuildError, build_site

    folder = tmp_path_factory.mktemp("static") / "site"
    given = os.environ.get("SECURE_BASE_PYODIDE")
    try:
        built = build_site(folder, pyodide=Path(given) if given else None, log=lambda _m: None)
    except BuildError as problem:
        if os.environ.get("CI"):
            pytest.fail(f"The static site could not be built in CI: {problem}")
        pytest.skip(f"The static site could not be built here: {problem}")
    return built


class SiteServer:
    """``python -m http.server`` on 127.0.0.1 for the site's folder, stopped by its process id."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}/"
        try:
            wait_for_http(self.base + "site.json", self.process, "The static file server", 30)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        stop(self.process)


@pytest.fixture(scope="session")
def site_server(static_site):
    server = SiteServer(static_site.folder)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def offline_chromium(chromium):
    """A second Chromium, from the run's own Playwright, that resolves no host but 127.0.0.1."""
    browser = chromium.browser_type.launch(executable_path=chromium_path(), args=OFFLINE_ARGS)
    yield browser
    browser.close()


class Visit:
    """A browser profile of its own on the site, which fails on any request off the machine."""

    def __init__(self, browser, server: SiteServer, **options):
        self.server = server
        self.context = browser.new_context(
            viewport={"width": 1200, "height": 900},
            locale="en-GB",
            accept_downloads=True,
            **options,
        )
        self.outside: list[str] = []
        self.context.on("request", self._seen)
        self.page = self.new_page()

    def _seen(self, request) -> None:
        if not request.url.startswith((self.server.base, "data:", "blob:")):
            self.outside.append(request.url)

    def new_page(self):
        page = self.context.new_page()
        page.set_default_timeout(90_000)
        return page

    def open(self, name: str, page=None):
        page = page or self.page
        page.goto(self.server.base + name)
        ready(page, name)
        return page

    def close(self) -> None:
        self.context.close()
        assert self.outside == [], f"requests left the machine: {self.outside}"


def ready(page, name: str) -> None:
    """The page's Python has run every cell, and every widget of the module is drawn."""
    page.wait_for_function("document.body.dataset.sbReady", timeout=120_000)
    assert page.evaluate("document.body.dataset.sbReady") == "true", "the exercises did not start"
    wait_until_ready(page, name.removesuffix(".html") + ".ipynb")


@pytest.fixture
def visit(offline_chromium, site_server):
    opened = Visit(offline_chromium, site_server)
    yield opened
    opened.close()


def test_the_site_holds_what_it_runs_pinned_and_recorded(static_site):
    folder = static_site.folder
    record = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    assert record["pyodide"]["version"] == PINS["pyodide"]["version"]
    assert {k: [v["file"], v["sha256"]] for k, v in record["python_packages"].items()} == (
        PINS["python"]
    )
    assert record["pages"] == [m.file.replace(".ipynb", ".html") for m in COURSE.modules]
    assert (folder / record["course_python"]["file"]).is_file()
    for name in PINS["pyodide"]["files"]:
        assert (folder / "pyodide" / PINS["pyodide"]["version"] / name).is_file(), name
    # The learner sees prose, not code: no cell's source is drawn, and links go to the site's
    # pages, not to notebooks.
    page = (folder / "01_availability.html").read_text(encoding="utf-8")
    drawn = re.sub(r'<script id="sb-site".*?</script>', "", page, flags=re.S)
    assert "course_page(" not in drawn and "jp-CodeMirrorEditor" not in drawn
    assert ".ipynb" not in re.sub(
        r'<script type="application/json".*?</script>', "", page, flags=re.S
    )
    assert 'href="02_sensitivity.html"' in page
    assert "require.min.js" not in page and "cdn" not in page.lower()


def test_a_learner_writes_rates_reloads_closes_the_tab_and_exports(visit):
    prompt = COURSE.prompts_for("availability", "general")[0]
    statement = COURSE.statements_for("availability", "general")[0]
    words = "Our Monday call is where people ask for help <b>first</b>."
    page = visit.page
    page.goto(visit.server.base)  # the site's address alone opens the welcome page
    page.wait_for_url(re.compile(r"00_welcome\.html$"))
    ready(page, "00_welcome.html")
    page.get_by_role("link", name="Availability").first.click()
    ready(page, "01_availability.html")

    page.get_by_label(prompt.text, exact=True).fill(words)
    page.locator(".sb-reflection", has=page.get_by_label(prompt.text, exact=True)).get_by_text(
        re.compile("Saved at")
    ).wait_for()
    page.get_by_role("radiogroup", name=statement.text).get_by_label(
        "Mostly in place", exact=True
    ).check()
    page.locator(".sb-assessment .sb-status", has_text="1 of 12 answered").wait_for()
    page.screenshot(path=str(ARTIFACTS / "static-module.png"))
    assert_page_layout(page, "on the static site")

    page.reload()
    ready(page, "01_availability.html")
    assert page.get_by_label(prompt.text, exact=True).input_value() == words
    group = page.get_by_role("radiogroup", name=statement.text)
    assert group.get_by_label("Mostly in place", exact=True).is_checked()

    # A closed tab: another tab of the same browser finds it all.
    page.close(run_before_unload=True)
    page = visit.new_page()
    visit.open("01_availability.html", page)
    assert page.get_by_label(prompt.text, exact=True).input_value() == words

    # The closing module shows it (as text, never as markup) and exports it.
    visit.open("06_closing.html", page)
    answer = page.locator(".sb-summary-answer", has_text="Our Monday call")
    expect(answer).to_contain_text("<b>first</b>")
    export = page.locator(".sb-export")
    export.get_by_role("button", name="Prepare my journal to download").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download my journal \\(web page")).click()
    exported = info.value.path().read_text(encoding="utf-8")
    assert "Our Monday call is where people ask for help &lt;b&gt;first&lt;/b&gt;." in exported

    # The journal file, to carry on elsewhere.
    visit.open("08_privacy.html", page)
    page.get_by_role("button", name="Prepare my journal file").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download my journal file")).click()
    journal = json.loads(info.value.path().read_text(encoding="utf-8"))
    assert words in json.dumps(journal)


def test_a_scenario_and_an_action_work_as_on_a_served_course(visit):
    scenario = next(s for s in load_scenarios() if s.domain == "acceptance")
    path = scenario.paths()[-1]
    page = visit.open("03_acceptance.html")
    card = page.locator(".sb-scenario", has=page.get_by_role("heading", name=scenario.title))
    for here, there in zip(path, path[1:], strict=False):
        label = next(c.label for c in scenario.get(here).choice if c.next == there)
        card.get_by_role("button", name=label, exact=True).click()
        card.locator(".sb-status", has_text="Saved").wait_for()
    card.locator(".sb-status", has_text="Saved: you reached an ending").wait_for()
    page.get_by_label("What will you do?", exact=True).fill("Name a debrief buddy for visits")
    page.get_by_role("button", name="Add to my action plan").click()
    page.locator(".sb-action-form .sb-status", has_text="Added.").wait_for()

    visit.open("06_closing.html")
    expect(page.locator(".sb-action", has_text="Name a debrief buddy for visits")).to_have_count(1)
    ending = scenario.get(path[-1]).ending
    assert ending in page.locator("main").inner_text()


def test_a_second_visit_comes_from_the_browsers_store(visit):
    page = visit.open("02_sensitivity.html")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    from_worker: dict[str, bool] = {}
    again = visit.new_page()
    again.on(
        "response",
        lambda r: from_worker.__setitem__(r.url.rsplit("/", 1)[-1], r.from_service_worker),
    )
    visit.open("02_sensitivity.html", again)
    assert from_worker.get("pyodide.asm.wasm") is True, from_worker
    assert any(name.startswith("course-") and kept for name, kept in from_worker.items())


def test_a_fresh_browser_profile_has_the_course_but_not_anyone_elses_journal(
    offline_chromium, site_server
):
    prompt = COURSE.prompts_for("cooperation", "general")[0]
    first = Visit(offline_chromium, site_server)
    second = Visit(offline_chromium, site_server)
    try:
        page = first.open("04_cooperation.html")
        page.get_by_label(prompt.text, exact=True).fill("Only in the first browser.")
        page.locator(".sb-reflection", has=page.get_by_label(prompt.text, exact=True)).get_by_text(
            re.compile("Saved at")
        ).wait_for()
        other = second.open("04_cooperation.html")
        assert other.get_by_label(prompt.text, exact=True).input_value() == ""
    finally:
        first.close()
        second.close()


def test_the_share_page_says_what_needs_a_server_and_the_rest_works(visit):
    page = visit.open("09_share.html")
    notice = page.locator(".sb-site-notice")
    expect(notice).to_contain_text("runs in your browser alone")
    expect(notice).to_contain_text("prepare a share file")
    page.get_by_role("button", name="Prepare my share file").click()
    page.locator(".sb-share-file").get_by_text(
        re.compile("nothing to share|Download", re.I)
    ).first.wait_for()


def test_while_python_starts_the_page_says_so_and_if_it_cannot_it_says_why(
    offline_chromium, site_server
):
    # No service worker, so that the test's own route is what answers the page's requests.
    visit = Visit(offline_chromium, site_server, service_workers="block")
    page = visit.page
    page.route("**/python/course-*.zip", lambda route: route.abort())
    page.goto(visit.server.base + "05_belonging.html")
    loading = page.locator("#sb-loading")
    expect(loading.get_by_role("status")).to_contain_text(re.compile("Step [12] of 3"))
    page.screenshot(path=str(ARTIFACTS / "static-loading.png"))
    page.wait_for_function("document.body.dataset.sbReady === 'failed'", timeout=120_000)
    expect(loading).to_have_attribute("role", "alert")
    expect(loading).to_contain_text("The reading on the page is all still here")
    # The prose and the navigation are there all the same.
    expect(page.get_by_role("heading", name="Team belonging", level=1)).to_be_visible()
    assert page.get_by_role("navigation").count() == 2
    page.screenshot(path=str(ARTIFACTS / "static-failed.png"))
    visit.close()


@pytest.mark.parametrize(
    "name",
    [
        "00_welcome.html",
        "01_availability.html",
        "06_closing.html",
        "08_privacy.html",
        "09_share.html",
    ],
)
def test_static_pages_pass_axe(visit, name):
    page = visit.open(name)
    audit(page, f"static {name}")
