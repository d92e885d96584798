"""The facilitator's kit: slides that run without a network, a session plan, A4 prompt cards."""

from __future__ import annotations

import importlib.util
import json
import re
from itertools import pairwise
from pathlib import Path

import nbformat
import pytest
from markupsafe import escape

from widgets.cli import main
from widgets.content import load_course

from .conftest import ARTIFACTS, audit

COURSE = load_course()
PLAN = Path(__file__).parents[1] / "widgets" / "trainer" / "session_plan.ipynb"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kit")
    assert main(["kit", str(folder)]) == 0
    return folder


def _slide_types() -> list[str]:
    nb = nbformat.read(PLAN, as_version=4)
    return [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]


def test_the_kit_holds_slides_plan_cards_and_reveal(kit):
    for name in ("slides.html", "session-plan.html", "prompt-cards.html"):
        assert (kit / name).stat().st_size > 10_000
    assert (kit / "reveal.js" / "dist" / "reveal.js").is_file()
    assert (kit / "reveal.js" / "LICENSE").is_file()


@pytest.mark.parametrize("name", ["slides.html", "session-plan.html", "prompt-cards.html"])
def test_nothing_in_the_kit_is_fetched_from_the_network(kit, name):
    html = (kit / name).read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html
    css = (kit / "reveal.js" / "dist" / "theme" / "course.css").read_text()
    assert "@import" not in css and "url(" not in css


def test_the_session_plan_is_original_british_and_adds_up():
    spec = importlib.util.spec_from_file_location("fp", DATA / "make_source_fingerprints.py")
    fp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fp)
    source = json.loads((DATA / "source_items.json").read_text())
    every = set().union(*(set(i["fingerprints"]) for i in source["items"]))
    nb = nbformat.read(PLAN, as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert not fp.fingerprints(text, source["run"]) & every
    assert not re.search(r"\b(\w+iz(e|es|ed|ing|ation)|behavior|color|center)\b", text, re.I)
    assert "TODO" not in text and "lorem" not in text.lower()
    # Each agenda's slots run end to end and fill the time it promises.
    for total, agenda in ((90, "The 90-minute session"), (210, "The half-day workshop")):
        part = text[text.index(agenda) :]
        slots = re.findall(r"\| (\d):(\d\d)–(\d):(\d\d) \|", part)[: 8 if total == 90 else 10]
        minutes = [(int(a) * 60 + int(b), int(c) * 60 + int(d)) for a, b, c, d in slots]
        assert minutes[0][0] == 0 and minutes[-1][1] == total
        assert all(end == start for (_s, end), (start, _e) in pairwise(minutes))


def test_the_slides_run_offline_with_speaker_notes(kit, chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    fetched = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto((kit / "slides.html").as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    types = _slide_types()
    assert page.evaluate("Reveal.getTotalSlides()") == types.count("slide") + types.count(
        "subslide"
    )
    assert page.locator("aside.notes").count() == types.count("notes")
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert not [u for u in fetched if not u.startswith(("file:", "data:"))]
    page.keyboard.press("ArrowRight")
    page.wait_for_function("Reveal.getIndices().h === 1")
    page.screenshot(path=str(ARTIFACTS / "kit-slide.png"))
    page.close()


def test_every_prompt_has_a_card_and_the_cards_print_on_a4(kit, chromium):
    html = (kit / "prompt-cards.html").read_text(encoding="utf-8")
    assert html.count('<li class="card">') == len(COURSE.prompts) == 121
    for prompt in COURSE.prompts:
        assert str(escape(prompt.text)) in html
    page = chromium.new_page(viewport={"width": 1000, "height": 1200})
    page.goto((kit / "prompt-cards.html").as_uri())
    audit(page, "prompt cards")
    page.emulate_media(media="print")
    # On paper: two cards across, each 68 mm high, and no card split over two sheets.
    box = page.locator(".card").first.bounding_box()
    assert box["height"] == pytest.approx(68 / 25.4 * 96, abs=2)
    page.locator(".sheet").first.screenshot(path=str(ARTIFACTS / "kit-prompt-cards-print.png"))
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.close()


def test_the_printable_plan_keeps_the_notes_apart_and_passes_the_audit(kit, chromium):
    page = chromium.new_page()
    page.goto((kit / "session-plan.html").as_uri())
    assert page.locator("div.notes").count() == _slide_types().count("notes")
    assert page.get_by_role("heading", name="The 90-minute session").count() == 1
    audit(page, "printable session plan")
    page.close()
