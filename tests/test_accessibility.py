"""Accessibility, proven in a real browser: an axe-core audit of every page and state, and a
domain module completed by keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from widgets.content import load_course, load_scenarios

from .conftest import ARTIFACTS, assert_page_layout, audit, open_module, wait_until_ready

pytestmark = pytest.mark.browser
COURSE = load_course()


@pytest.mark.parametrize("module", COURSE.modules, ids=lambda m: m.key)
def test_every_page_passes_the_audit_as_it_opens(page, course_server, module):
    open_module(page, course_server, module.file)
    audit(page, f"{module.file}, as it opens")


def test_pages_pass_the_audit_after_the_main_interactions(page, course_server):
    open_module(page, course_server, "04_cooperation.ipynb")
    groups = page.get_by_role("radiogroup")
    assert groups.count() == 12
    for i in range(12):
        groups.nth(i).get_by_label(
            ["Partly in place", "Well established"][i % 2], exact=True
        ).check()
    page.locator(".sb-reading-box").wait_for()
    audit(page, "cooperation, every statement rated and the reading shown")
    prompt = COURSE.prompts_for("cooperation", "general")[0]
    box = page.get_by_label(prompt.text, exact=True)
    box.fill("We agree allocation together at the Monday meeting.")
    page.locator(".sb-reflection", has=box).get_by_text(re.compile("Saved at")).wait_for()
    page.locator("summary", has_text="Contents").first.click()
    audit(page, "cooperation, a reflection typed and the contents open")

    scenario = next(s for s in load_scenarios() if s.domain == "cooperation")
    card = page.locator(".sb-scenario", has=page.get_by_role("heading", name=scenario.title))
    path = scenario.paths()[0]
    for here, there in zip(path, path[1:], strict=False):
        label = next(c.label for c in scenario.get(here).choice if c.next == there)
        card.get_by_role("button", name=label, exact=True).click()
        card.locator(".sb-status", has_text="Saved").wait_for()
    card.locator(".sb-trail summary").click()
    audit(page, "cooperation, a scenario played to its ending")

    open_module(page, course_server, "06_closing.ipynb")
    assert page.locator(".sb-summary-answer").count() >= 1
    audit(page, "closing module with reflections and scenarios to show")


def test_structure_landmarks_language_and_names(page, course_server):
    open_module(page, course_server, "05_belonging.ipynb")
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert page.locator("main#main-content").count() == 1
    assert page.get_by_role("navigation").count() == 2
    levels = page.evaluate(
        "[...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5')]"
        ".map(h => Number(h.tagName[1]))"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading levels jump from {before} to {after}"
    # Every text box is named by its prompt; every button by what it does.
    names = page.evaluate(
        "[...document.querySelectorAll('main textarea, main button')].map(e => "
        "e.labels && e.labels.length ? e.labels[0].textContent : e.textContent)"
    )
    assert names and all(len(n.strip()) > 8 for n in names), names


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName, text: (e.textContent || '').trim().slice(0, 200),
                label: e.labels && e.labels.length ? e.labels[0].textContent : null,
                outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                inPlayer: !!e.closest('.sb-player'), value: e.value ?? null}; }"""
    )


def tab_until(page, test, limit: int = 400, back: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element passes ``test``; focus never lost."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        assert now["tag"] != "BODY", "keyboard focus was lost"
        if test(now):
            return now
    raise AssertionError("never reached the element by keyboard")


def assert_visible_focus(state: dict) -> None:
    assert state["outline"] != "none" and state["width"] >= 2, state


def test_a_domain_module_by_keyboard_alone(page, course_server):
    open_module(page, course_server, "01_availability.ipynb")
    page.locator("body").focus()
    # The skip link comes first and takes the learner to the course.
    first = tab_until(page, lambda f: f["tag"] == "A")
    assert first["text"] == "Skip to the course content"
    assert_visible_focus(first)
    page.keyboard.press("Enter")

    # Rate: the first statement's group takes one Tab; the arrow keys choose a level.
    radio = tab_until(page, lambda f: f["tag"] == "INPUT")
    assert radio["label"] == "Not yet"
    assert_visible_focus(radio)
    page.keyboard.press("ArrowRight")
    page.locator(".sb-assessment .sb-status", has_text="Saved. 1 of 12 answered.").wait_for()
    next_group = tab_until(page, lambda f: f["tag"] == "INPUT")
    assert next_group["label"] == "Not yet"  # one Tab moved on to the next statement's group

    # Reflect: reach the first prompt's box and type.
    prompt = COURSE.prompts_for("availability", "general")[0]
    box = tab_until(page, lambda f: f["tag"] == "TEXTAREA")
    assert box["label"] == prompt.text
    assert_visible_focus(box)
    page.keyboard.type("Typed by keyboard alone.")
    page.get_by_text(re.compile("Saved at")).first.wait_for()
    assert re.match(r"Saved at \d\d:\d\d", page.locator("#sb-live-polite").inner_text())
    # Shift+Tab goes back the way it came, to the previous link or control.
    back = tab_until(page, lambda f: f["tag"] != "TEXTAREA", back=True)
    assert back["tag"] in {"A", "SUMMARY", "BUTTON", "INPUT"}

    # Play the first scenario to an ending with Tab, Enter and Space only.
    scenario = next(s for s in load_scenarios() if s.domain == "availability")
    node = scenario.get(scenario.start)
    keys = ["Enter", "Space"]
    step = 0
    while not node.is_ending:
        label = node.choice[-1].label
        button = tab_until(page, lambda f, label=label: f["tag"] == "BUTTON" and f["text"] == label)
        assert_visible_focus(button)
        page.keyboard.press(keys[step % 2])
        node = scenario.get(node.choice[-1].next)
        step += 1
        heading = "Ending: " + node.ending if node.is_ending else f"Step {step + 1}"
        page.wait_for_function(
            "(text) => document.activeElement && "
            "document.activeElement.textContent.trim() === text",
            arg=heading,
        )
        landed = focused(page)
        assert landed["inPlayer"] and landed["tag"] == "H4"
        assert_visible_focus(landed)
    page.screenshot(path=str(ARTIFACTS / "keyboard-ending.png"))
    # Start again is reachable and keeps focus while the story resets.
    restart = tab_until(page, lambda f: f["text"] == "Start again")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.textContent.trim() === "
        "'Start again' && !!document.querySelector('.sb-player h4[data-sb-focus]')"
    )
    assert_visible_focus(restart)

    # Reload: what was typed and the ending reached are both still there.
    page.reload()
    wait_until_ready(page, "01_availability.ipynb")
    assert page.get_by_label(prompt.text, exact=True).input_value() == "Typed by keyboard alone."
    first_group = page.get_by_role("radiogroup").first
    assert first_group.get_by_label("Beginning", exact=True).is_checked()


@pytest.mark.parametrize("width", [320, 1280])
def test_no_horizontal_scrolling_at_small_widths_and_200_percent_zoom(
    chromium, course_server, width
):
    # 320 CSS pixels wide, and a 1280-pixel window at 200% zoom (640 CSS pixels).
    scale = 1 if width == 320 else 2
    context = chromium.new_context(
        viewport={"width": width // scale, "height": 800}, device_scale_factor=scale
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        for file in ("00_welcome.ipynb", "02_sensitivity.ipynb", "06_closing.ipynb"):
            open_module(page, course_server, file)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{file} scrolls sideways by {overflow}px at {width}px"
        page.screenshot(path=str(ARTIFACTS / f"closing-{width}px.png"))
    finally:
        context.close()


def test_the_journal_exported_by_keyboard_opens_offline_and_passes_the_audit(
    page, course_server, tmp_path
):
    payload = '<img src=x onerror="window.__pwned = 1"> </textarea> exported 🙂'
    open_module(page, course_server, "05_belonging.ipynb")
    prompt = COURSE.prompts_for("belonging", "fine_tuning")[0]
    box = page.get_by_label(prompt.text, exact=True)
    box.fill(payload)
    page.locator(".sb-reflection", has=box).get_by_text(re.compile("Saved at")).wait_for()

    open_module(page, course_server, "06_closing.ipynb")
    page.locator("body").focus()
    # Leave out Availability, by keyboard: Tab to its box, Space to untick it.
    tick = tab_until(page, lambda f: f["label"] == "Availability" or f["text"] == "Availability")
    assert_visible_focus(tick)
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.activeElement.checked")
    tab_until(page, lambda f: f["text"] == "Prepare my journal to download")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=re.compile("^Download my journal")).wait_for()
    link = tab_until(page, lambda f: f["text"].startswith("Download my journal"))
    assert_visible_focus(link)
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert re.fullmatch(r"secure-base-journal-\d{4}-\d\d-\d\d\.html", saved.name)
    audit(page, "closing module with the export prepared")

    # Open the file itself, with the network switched off: everything is there, nothing ran.
    page.context.set_offline(True)
    page.goto(saved.as_uri())
    assert page.evaluate("window.__pwned") is None
    answer = page.locator(".answer", has_text="exported 🙂")
    assert answer.inner_text() == payload
    assert page.locator("section#availability").count() == 0
    assert page.locator("h1").inner_text() == "Team as a Secure Base: my journal"
    page.screenshot(path=str(ARTIFACTS / "export-screen.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "export-print.png"), full_page=True)
    page.emulate_media(media="screen")
    audit(page, "the exported journal")
    page.context.set_offline(False)


def test_an_action_added_by_keyboard_reaches_the_plan(page, course_server):
    open_module(page, course_server, "02_sensitivity.ipynb")
    what = page.get_by_label("What will you do?", exact=True)
    what.focus()
    page.keyboard.type("Book a call after every first court hearing")
    page.keyboard.press("Tab")
    page.keyboard.type("each supervisee")
    button = tab_until(page, lambda f: f["text"] == "Add to my action plan")
    assert_visible_focus(button)
    page.keyboard.press("Enter")
    page.locator(".sb-action-form .sb-status", has_text="Added.").wait_for()
    audit(page, "sensitivity, an action added")

    open_module(page, course_server, "06_closing.ipynb")
    page.wait_for_selector(".sb-action-plan .sb-action")
    title = page.locator(".sb-action-title", has_text="Book a call after every first court")
    # The plan is one component, drawn in the browser from the journal's actions.
    expect(title).to_have_count(1)
    number = title.inner_text().split(".")[0]
    page.get_by_label(f"Done: action {number}", exact=True).check()
    page.locator(".sb-action-plan .sb-status", has_text="Marked as done.").wait_for()
    expect(page.locator(".sb-action-title", has_text="Book a call")).to_contain_text("(done)")
    audit(page, "closing module with the action plan")
    # Deleting by keyboard keeps focus in the plan, never on the page's body.
    delete = page.get_by_role("button", name=f"Delete action {number}", exact=True)
    delete.focus()
    page.keyboard.press("Enter")
    page.locator(".sb-action-plan .sb-status", has_text="Deleted from your plan.").wait_for()
    expect(page.locator(".sb-action-title", has_text="Book a call")).to_have_count(0)
    page.wait_for_function("document.activeElement && document.activeElement.tagName !== 'BODY'")


def test_every_control_fits_its_box_and_shows_focus(page, course_server):
    """No control runs past the edge of its box, and Tab gives every one a visible focus ring."""
    open_module(page, course_server, "01_availability.ipynb")
    # With nothing to say, the page's notice takes no room at all.
    assert page.locator(".sb-notice:visible").count() == 0
    for width in (1200, 390):
        page.set_viewport_size({"width": width, "height": 900})
        overflowing = page.evaluate(
            """() => [...document.querySelectorAll(
                  'main button, main textarea, main input, main select')]
              .filter(e => e.offsetParent !== null)
              .filter(e => {
                const box = e.closest('.sb-reflection, .sb-rating, .sb-scenario, .sb-action-form');
                if (!box) { return false; }
                const mine = e.getBoundingClientRect(), theirs = box.getBoundingClientRect();
                return mine.right > theirs.right + 0.5 || e.scrollWidth > e.clientWidth + 1;
              })
              .map(e => e.outerHTML.slice(0, 120))"""
        )
        assert overflowing == [], f"at {width}px: {overflowing}"
        assert_page_layout(page, f"at {width}px")
    page.set_viewport_size({"width": 1200, "height": 900})
    page.locator("body").focus()
    seen = 0
    for _ in range(200):
        page.keyboard.press("Tab")
        state = focused(page)
        assert state["tag"] != "BODY", "keyboard focus was lost"
        if state["tag"] in {"BUTTON", "TEXTAREA", "INPUT", "SELECT", "A", "SUMMARY"}:
            assert_visible_focus(state)
            seen += 1
        if state["tag"] == "BUTTON" and state["text"] == "Add to my action plan":
            break
    else:
        raise AssertionError("the action form's button was never reached by Tab")
    assert seen > 40
