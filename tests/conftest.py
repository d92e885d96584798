"""Fixtures for the browser tests: a course server of our own and headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from widgets.content import load_course, load_scenarios

from .harness import CHROMIUM_ARGS, free_port, kernel_processes, postgres_bin, postgres_server, stop

ARTIFACTS = Path(__file__).parent / "artifacts"

# Assertions that wait (Playwright's `expect`) wait as long as a page may take on a busy machine,
# not the default five seconds.
expect.set_options(timeout=30_000)


def chromium_path() -> str | None:
    candidate = os.environ.get("SECURE_BASE_CHROMIUM") or shutil.which("chromium")
    return candidate if candidate and os.access(candidate, os.X_OK) else None


def secure_base_command() -> list[str]:
    script = Path(sys.executable).with_name("secure-base")
    return [str(script)] if script.exists() else [sys.executable, "-m", "widgets.cli"]


class CourseServer:
    """``secure-base serve`` in a process of its own, stopped by its process id."""

    def __init__(
        self,
        journal: Path,
        extra: tuple[str, ...] = (),
        command: list[str] | None = None,
        port: int | None = None,
    ):
        self.journal = journal
        # A given port keeps the site's address, and with it the browser's storage for it.
        self.port = port or free_port()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [
                *(command or secure_base_command()),
                "serve",
                "--no-browser",
                f"--port={self.port}",
                f"--journal={journal}",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.url = self._wait_for_url()
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_for_url(self, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+/voila/render/\S+)", line)
            if match:
                return match.group(1)
        self.stop()
        raise RuntimeError("the course server did not start:\n" + "".join(self.output))

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def module_url(self, file: str) -> str:
        base, _, query = self.url.partition("?")
        return base.rsplit("/", 1)[0] + f"/{file}" + (f"?{query}" if query else "")

    def kernels(self) -> list:
        """The kernel processes this server is running now."""
        return kernel_processes(self.process.pid)

    def stop(self, timeout: float = 30, sig: int = signal.SIGTERM) -> int:
        return stop(self.process, sig, timeout)

    def kill(self) -> None:
        """The server and its kernels die at once (``kill -9``), as when a machine or a
        session goes: nothing is shut down, nothing is saved on the way."""
        kernels = self.kernels()
        self.process.kill()
        self.process.wait(10)
        for kernel in kernels:
            kernel.kill()


@pytest.fixture
def session(tmp_path, monkeypatch):
    """A page's journal session, as in a new kernel, with a journal file of its own."""
    import widgets.journal.session as journal_session

    monkeypatch.setenv("SECURE_BASE_JOURNAL", str(tmp_path / "journal.json"))
    monkeypatch.delenv("SECURE_BASE_STORE", raising=False)
    monkeypatch.setattr(journal_session, "_session", None)
    return journal_session.page_session()


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        message = (
            "Chromium was not found: install Debian's chromium package or set SECURE_BASE_CHROMIUM"
        )
        if os.environ.get("CI"):
            pytest.fail(message + " (browser tests must run in CI)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def course_server(tmp_path_factory):
    server = CourseServer(tmp_path_factory.mktemp("learner") / "journal.json")
    yield server
    server.stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def pytest_collection_modifyitems(config, items):
    ARTIFACTS.mkdir(exist_ok=True)


def open_module(page, server, file: str) -> None:
    page.goto(server.module_url(file))
    wait_until_ready(page, file)


def wait_until_ready(page, file: str) -> None:
    """Every cell has run (the closing navigation is drawn) and every widget is on screen."""
    page.wait_for_selector("nav.sb-nav >> nth=1", state="attached")
    module = next(m for m in load_course().modules if m.file == file)
    if module.domain:
        expected = len(load_course().prompts_for(module.domain))
        players = sum(1 for s in load_scenarios() if s.domain == module.domain)
        ready = (
            f"document.querySelectorAll('.sb-reflection textarea').length === {expected}"
            f" && document.querySelectorAll('.sb-player .sb-story').length === {players}"
            " && document.querySelectorAll('fieldset.sb-rating[role=radiogroup]').length === "
            f"{len(load_course().statements_for(module.domain))}"
        )
        try:
            page.wait_for_function(ready)
        except Exception as exc:  # say what was missing, not only that time ran out
            counts = page.evaluate(
                "['.sb-reflection textarea', '.sb-player .sb-story', '.sb-rating',"
                " 'fieldset.sb-rating[role=radiogroup]'].map(s => s + ': ' +"
                " document.querySelectorAll(s).length)"
            )
            raise AssertionError(f"{file} was not ready: {counts}") from exc
    if module.key == "closing":
        page.wait_for_selector(".sb-export .sb-export-button")


def assert_page_layout(page, where: str) -> None:
    """The page reads as one column: the title, the prose and the parts the course draws start
    at one left edge, and the navigation and the parts end at one right edge; running text keeps
    a readable measure (at most 42rem, about 80 characters) and the browser's own size (16px)."""
    seen = page.evaluate(
        """() => {
          const box = (s) => document.querySelector(s).getBoundingClientRect();
          const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
          const text = ['.jp-MarkdownCell p', '.sb-stage-question', '.sb-rating-statement',
                        '.sb-reflection-label', '.sb-story p', '.sb-scenario-summary'];
          return {
            left: Object.fromEntries(['h1.sb-title', '.jp-MarkdownCell h2', '.jp-MarkdownCell p',
                '.sb-stage-question', '.sb-reflection', '.sb-rating', 'nav.sb-nav']
              .map(s => [s, Math.round(box(s).left)])),
            right: Object.fromEntries(['nav.sb-nav', '.sb-stage-question', '.sb-reflection',
                '.sb-rating', '.sb-scenario'].map(s => [s, Math.round(box(s).right)])),
            measure: Math.max(...[...document.querySelectorAll(
                '.jp-MarkdownCell p, .sb-story p, .sb-scenario-summary')]
              .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().width))
              / rem,
            sizes: Object.fromEntries(text.map(s => [s,
                parseFloat(getComputedStyle(document.querySelector(s)).fontSize)])),
            rem: rem,
          };
        }"""
    )
    assert len(set(seen["left"].values())) == 1, f"{where}, left edges differ: {seen['left']}"
    assert len(set(seen["right"].values())) == 1, f"{where}, right edges differ: {seen['right']}"
    assert seen["measure"] <= 42.01, f"{where}, a line of text is {seen['measure']:.1f}rem wide"
    small = {s: px for s, px in seen["sizes"].items() if px < seen["rem"]}
    assert small == {}, f"{where}, text smaller than the browser's own size: {small}"


AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
#: Rules switched off, each with its reason. None are: every rule axe-core has, of any impact,
#: WCAG 2.0-2.2 A and AA and best practice, runs on every page.
DISABLED_RULES: dict[str, str] = {}
#: Rules axe-core leaves off unless asked, switched on: AAA contrast (7:1 for body text).
ENABLED_RULES = ("color-contrast-enhanced",)


def audit(page, label: str) -> None:
    """Run axe-core on the page as it is now; fail with every violation found."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {
        "resultTypes": ["violations"],
        "rules": {
            **{rule: {"enabled": False} for rule in DISABLED_RULES},
            **{rule: {"enabled": True} for rule in ENABLED_RULES},
        },
    }
    result = page.evaluate("async (options) => await axe.run(document, options)", options)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert not problems, f"{label}:\n" + "\n".join(problems)
    assert result["testEngine"]["version"].startswith("4.")


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL server on 127.0.0.1, started here and stopped by its process id."""
    folder = postgres_bin()
    if folder is None:
        message = "PostgreSQL was not found: install Debian's postgresql package"
        if os.environ.get("CI"):
            pytest.fail(message + " (database tests must run in CI)")
        pytest.skip(message)
    with postgres_server(folder, max_connections=120) as (url, _process):
        yield url
