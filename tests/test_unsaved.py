"""Nothing typed is lost when the server goes: the browser keeps it, says so, and saves it later.

A real browser, a real course server, and ``kill -9``: the learner writes, the server dies in
the middle of a batch, the learner writes more, and the page says at once that the work is not
saved and is kept in this browser. A new server on the same address (as a new Binder session,
or the course started again on a laptop) saves every word, in both journal modes.
"""

from __future__ import annotations

import json

import pytest

from widgets.content import load_course
from widgets.journal import Journal

from .conftest import ARTIFACTS, CourseServer, audit, open_module

COURSE = load_course()
MODULE = "01_availability.ipynb"


def _unsaved(page) -> dict:
    return page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage)"
        ".filter(k => k.startsWith('secure-base:unsaved:'))"
        ".map(k => [k.slice('secure-base:unsaved:'.length), JSON.parse(localStorage[k]).value]))"
    )


def _all_saved(page) -> None:
    """Wait until this browser holds nothing marked unsaved."""
    page.wait_for_function(
        "() => !Object.keys(localStorage).some(k => k.startsWith('secure-base:unsaved:'))"
    )


def _status(page, box):
    """The status line under a reflection box."""
    return page.locator(".sb-reflection", has=box).locator(".sb-status")


def _journal_in_browser(page) -> Journal:
    entries = page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage)"
        ".filter(k => k.startsWith('secure-base:entry:'))"
        ".map(k => [k.slice('secure-base:entry:'.length), JSON.parse(localStorage[k])]))"
    )
    return Journal.from_dict(
        {
            "format": "secure-base-journal",
            "version": 4,
            "created": "2026-01-01T00:00:00+00:00",
            "entries": entries,
        }
    )


@pytest.mark.parametrize("store", ["file", "browser"])
def test_writing_after_the_server_dies_is_kept_and_saved_by_the_next_server(
    chromium, tmp_path, store
):
    journal_path = tmp_path / "journal.json"
    extra = ("--store=browser",) if store == "browser" else ()
    first, second, third = COURSE.prompts_for("availability", "general")[:3]
    server = CourseServer(journal_path, extra)
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(60_000)
    again = None
    try:
        open_module(page, server, MODULE)
        box = page.get_by_label(first.text, exact=True)
        box.fill("Written while the server was up.")
        _status(page, box).get_by_text("Saved at").wait_for()

        # Words typed, and the server killed before their batch is sent.
        box.press("End")
        box.press_sequentially(" Typed in the batching window.")
        server.kill()
        # The page hears its connection close, and the words waiting for their pause say at
        # once that they are not saved (without that, a pause and a wait for a reply: 5 s).
        status = _status(page, box)
        status.get_by_text("Not saved").wait_for(timeout=2_500)
        assert "kept in this web browser" in status.inner_text()
        assert "Reload the page" in status.inner_text()
        alert = page.locator("#sb-live-alert")
        assert "Not saved: the course cannot reach its server" in alert.inner_text()
        box.press_sequentially(" And more, once it had gone.")
        # Another box says so as the learner writes, before any pause in typing.
        other = page.get_by_label(second.text, exact=True)
        other.fill("A second box, written with no server at all.")
        _status(page, other).get_by_text("Not saved").wait_for(timeout=1_500)
        later = page.get_by_label(third.text, exact=True)
        later.fill("A third, once the page knew.")
        later.blur()
        kept = _unsaved(page)
        assert kept[f"reflection/{second.id}"] == "A second box, written with no server at all."
        assert kept[f"reflection/{third.id}"] == "A third, once the page knew."
        whole = (
            "Written while the server was up. Typed in the batching window."
            " And more, once it had gone."
        )
        assert kept[f"reflection/{first.id}"] == whole
        page.screenshot(path=str(ARTIFACTS / f"not-saved-{store}.png"), full_page=False)

        # The course started again on the same address: a reload finds every word and saves it.
        again = CourseServer(journal_path, extra, port=server.port)
        open_module(page, again, MODULE)
        box = page.get_by_label(first.text, exact=True)
        other = page.get_by_label(second.text, exact=True)
        page.locator(".sb-notice", has_text="now saved in it").wait_for()
        assert box.input_value() == whole
        assert other.input_value() == "A second box, written with no server at all."
        _all_saved(page)
        if store == "file":
            saved = Journal.loads(journal_path.read_bytes())
        else:
            assert not journal_path.exists()
            saved = _journal_in_browser(page)
        assert saved.reflection(first.id) == whole
        assert saved.reflection(second.id) == "A second box, written with no server at all."
        assert saved.reflection(third.id) == "A third, once the page knew."
        audit(page, f"{MODULE} after unsaved writing came back ({store} mode)")
        page.screenshot(path=str(ARTIFACTS / f"restored-{store}.png"), full_page=False)
    finally:
        context.close()
        if again is not None:
            again.stop()
        server.stop()  # already gone if it was killed: then this does nothing


def test_unsaved_writing_that_the_journal_already_has_is_only_forgotten(chromium, tmp_path):
    """A kept copy older than the journal's (saved elsewhere since) does not overwrite it."""
    prompt = COURSE.prompts_for("availability", "general")[0]
    journal_path = tmp_path / "journal.json"
    journal = Journal()
    journal.set_reflection(prompt.id, "The newer text, saved from another computer.")
    journal_path.write_text(journal.dumps(), encoding="utf-8")
    server = CourseServer(journal_path)
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(server.url)
        page.evaluate(
            "([key, value]) => localStorage.setItem(key, value)",
            [
                f"secure-base:unsaved:reflection/{prompt.id}",
                json.dumps(
                    {"value": "An old copy.", "updated": "2026-01-01T09:00:00.000000+00:00"}
                ),
            ],
        )
        open_module(page, server, MODULE)
        _all_saved(page)
        box = page.get_by_label(prompt.text, exact=True)
        assert box.input_value() == "The newer text, saved from another computer."
        saved = Journal.loads(journal_path.read_bytes())
        assert saved.reflection(prompt.id) == "The newer text, saved from another computer."
    finally:
        context.close()
        server.stop()


def test_a_dropped_connection_says_not_saved_and_saves_once_it_is_back(chromium, tmp_path):
    """The network drops and comes back, the server never stopped: the page says at once that
    what is typed meanwhile is not saved, and saves it as soon as the connection opens again."""
    journal_path = tmp_path / "journal.json"
    first, second = COURSE.prompts_for("availability", "general")[:2]
    server = CourseServer(journal_path)
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(60_000)
    # The network, as the page meets it: every socket is noted, so that the test can drop the
    # kernel's, and while `sbTestDown` is set a new one reaches nothing (as when offline).
    page.add_init_script(
        "(() => { const Native = window.WebSocket; window.sbTestSockets = [];"
        " window.sbTestDown = false;"
        " window.WebSocket = class extends Native { constructor(url, protocols) {"
        " super(window.sbTestDown ? 'ws://127.0.0.1:9/' : url, protocols);"
        " window.sbTestSockets.push(this); } }; })()"
    )
    try:
        open_module(page, server, MODULE)
        box = page.get_by_label(first.text, exact=True)
        box.fill("Before the drop.")
        status = _status(page, box)
        status.get_by_text("Saved at").wait_for()

        page.evaluate(
            "() => { window.sbTestDown = true; window.sbTestSockets"
            ".filter(s => s.url.includes('/channels')).forEach(s => s.close()); }"
        )
        page.wait_for_function("() => window.sbServerGone === true")
        box.press("End")
        box.press_sequentially(" During it.")
        status.get_by_text("Not saved").wait_for(timeout=1_500)
        other = page.get_by_label(second.text, exact=True)
        other.fill("Written while the connection was down.")
        assert _unsaved(page)[f"reflection/{second.id}"] == (
            "Written while the connection was down."
        )

        # The network is back: the page's own connection opens again by itself (Voilà tries
        # again after a few seconds), and what was not saved is sent.
        page.evaluate("() => { window.sbTestDown = false; }")
        status.get_by_text("Saved at").wait_for(timeout=30_000)
        _status(page, other).get_by_text("Saved at").wait_for(timeout=10_000)
        _all_saved(page)
        saved = Journal.loads(journal_path.read_bytes())
        assert saved.reflection(first.id) == "Before the drop. During it."
        assert saved.reflection(second.id) == "Written while the connection was down."
    finally:
        context.close()
        server.stop()
