"""The CPD record in a real browser: write in two modules, draft a piece of CPD with a peer
reflection, copy a field to the clipboard, and take the record and the journal away."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from widgets.content import load_course

from .conftest import ARTIFACTS, CourseServer, audit, open_module
from .validator import require_checker, validate_pages

COURSE = load_course()
pytestmark = pytest.mark.browser


def test_a_piece_of_cpd_drafted_copied_and_taken_away(chromium, tmp_path):
    server = CourseServer(tmp_path / "journal.json")
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=f"http://127.0.0.1:{server.port}"
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        for domain, text in (
            ("availability", "Drop-in calls on Tuesdays have become our corridor."),
            ("belonging", "New starters say the team chat feels like a closed room."),
        ):
            module = COURSE.module_for(domain)
            open_module(page, server, module.file)
            prompt = COURSE.prompts_for(domain, "general")[0]
            box = page.get_by_label(prompt.text, exact=True)
            box.fill(text)
            page.locator(".sb-reflection", has=box).get_by_text("Saved at").wait_for()

        open_module(page, server, "06_closing.ipynb")
        record = page.locator(".sb-cpd")
        record.get_by_role("button", name="Start a new piece of CPD").click()
        entry = record.locator(".sb-cpd-entry").first
        kind = entry.get_by_role("textbox", name="The type of CPD", exact=True)
        expect(kind).to_have_value(re.compile("^Online course"))
        activity = entry.get_by_role(
            "textbox",
            name="A short description of the activity and why it is relevant to you",
            exact=True,
        )
        expect(activity).to_have_value(re.compile("Availability and Team belonging"))
        learnt = entry.get_by_role(
            "textbox", name="What you learnt from doing the activity", exact=True
        )
        expect(learnt).to_have_value("")  # the learning is the learner's to write
        # The learner's own reflections sit beside the field, to draw on.
        entry.locator(".sb-cpd-draw-on summary").first.click()
        expect(entry.locator(".sb-cpd-draw-on").first).to_contain_text(
            "Drop-in calls on Tuesdays have become our corridor."
        )
        learnt.fill("That my team reaches me by habit, and new starters have none yet.")
        peer_label = "What you learnt from discussing the activity with a peer"
        peer = entry.get_by_role("textbox", name=peer_label, exact=True)
        words = "In group supervision, Sam said the drop-ins feel like a test for new staff."
        peer.fill(words)
        entry.locator(".sb-status", has_text="Saved.").wait_for()
        entry.get_by_role("button", name=f"Copy: {peer_label}").click()
        entry.get_by_text("Copied. Paste it into the matching box.").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == words
        entry.screenshot(path=str(ARTIFACTS / "cpd-record.png"))
        audit(page, "closing page with a piece of CPD")

        record.get_by_role("button", name="Prepare my CPD record to download").click()
        with page.expect_download() as info:
            record.get_by_role("link", name=re.compile(r"CPD record \(plain text")).click()
        plain = info.value.path().read_text(encoding="utf-8")
        assert words in plain and "The type of CPD" in plain
        with page.expect_download() as info:
            record.get_by_role("link", name=re.compile("a page to print")).click()
        printed = info.value.path().read_text(encoding="utf-8")
        assert words in printed and "<script" not in printed

        # The journal as a web page: every section, the CPD record among them, valid HTML.
        export = page.locator(".sb-export")
        export.get_by_role("button", name="Prepare my journal to download").click()
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile("Download my journal \\(web page")).click()
        exported = info.value.path().read_text(encoding="utf-8")
        ids = re.findall(r'<section class="[^"]*" id="([a-z_]+)"', exported)
        assert ids[:2] == ["profile", "actions"] and ids[-1] == "cpd"
        assert {"availability", "belonging"} <= set(ids)
        for words_there in (
            "Drop-in calls on Tuesdays have become our corridor.",
            "New starters say the team chat feels like a closed room.",
            "In group supervision, Sam said the drop-ins feel like a test for new staff.",
            "What you learnt from discussing the activity with a peer",
        ):
            assert words_there in exported, words_there
        require_checker()
        errors = validate_pages({"export.html": exported, "cpd.html": printed})
        assert errors == {"export.html": [], "cpd.html": []}, errors
        # As it prints: the export on A4 (a picture of it for the record).
        sheet = context.new_page()
        sheet.set_content(exported)
        sheet.emulate_media(media="print")
        sheet.screenshot(path=str(ARTIFACTS / "export-printed.png"), full_page=False)
        sheet.close()

        # A reload finds the draft as it was.
        open_module(page, server, "06_closing.ipynb")
        again = page.get_by_role("textbox", name=peer_label, exact=True)
        expect(again).to_have_value(words)
    finally:
        context.close()
        server.stop()
