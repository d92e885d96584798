"""The journal exported as a web page: complete, escaped, self-contained, valid, chosen."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from datetime import datetime
from html import escape

import html5lib
import pytest

import widgets.journal.session as journal_session
from widgets.content import load_course, load_scenarios
from widgets.journal import FileStore, Journal
from widgets.pages.panels import ExportPanel
from widgets.reports.export import ExportChoice, export_html
from widgets.reports.runs import ScenarioRun

COURSE = load_course()
SCENARIOS = load_scenarios()
HOSTILE = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    '<svg onload="window.__pwned = 3"></svg>',
    "</textarea><b>not bold</b>",
    '<a href="javascript:window.__pwned = 4">click me</a>',
    "closing a script early: </script><script>window.__pwned = 5</script>",
    "emoji 🙂🧡 and right-to-left: مرحبا بالعالم שלום",
    "line one\nline two\n\n  indented line three",
    "&amp; &lt;already escaped&gt; \" ' `",
]


def full_journal() -> Journal:
    """Every prompt answered (hostile text in some), and every scenario played."""
    journal = Journal()
    for i, prompt in enumerate(COURSE.prompts):
        text = HOSTILE[i % len(HOSTILE)] if i % 4 == 0 else f"Reflection {i}: " + "words " * 60
        journal.set_reflection(prompt.id, text)
    for scenario in SCENARIOS:
        run = ScenarioRun(scenario)
        path = scenario.paths()[0]
        for here, there in zip(path, path[1:], strict=False):
            run.choose([c.next for c in scenario.get(here).choice].index(there))
        journal.set_scenario(scenario.id, run.record())
    return journal


@pytest.fixture(scope="module")
def exported() -> str:
    return export_html(full_journal(), COURSE, SCENARIOS, now=datetime(2026, 11, 29, 10, 0))


def parse(html: str):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(html)


def test_every_answer_appears_with_its_prompt(exported):
    tree = parse(exported)
    answers = tree.findall(".//div[@class='answer']")
    assert len(answers) == len(COURSE.prompts) == 121
    prompts = [p.text for p in tree.findall(".//p[@class='prompt']")]
    assert prompts == [p.text for d in COURSE.domains for p in COURSE.prompts_for(d.key)]
    assert "Made on 29 November 2026. 121 reflections and 12 scenarios." in exported


def test_learner_text_is_escaped_and_kept_exactly(exported):
    tree = parse(exported)  # strict: any parse error raises
    texts = [d.text for d in tree.findall(".//div[@class='answer']")]
    for payload in HOSTILE:
        assert payload in texts, payload
    assert tree.findall(".//script") == []
    for element in tree.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib), element.tag
        assert not element.get("href", "").lower().startswith("javascript:")


def test_the_page_is_self_contained(exported):
    tree = parse(exported)
    for tag in ("script", "link", "img", "iframe", "object", "embed", "base"):
        assert tree.findall(f".//{tag}") == [], tag
    assert "url(" not in exported and "@import" not in exported
    hrefs = [a.get("href") for a in tree.findall(".//a")]
    outside = {h for h in hrefs if not h.startswith("#")}
    assert outside == {
        "https://practice-supervisors.rip.org.uk/",
        "https://doi.org/10.1108/JCS-07-2020-0031",
        "https://doi.org/10.1016/j.childyouth.2017.10.031",
    }


def test_structure_language_title_and_print_styles(exported):
    tree = parse(exported)
    assert exported.startswith("<!DOCTYPE html>")
    assert tree.get("lang") == "en-GB"
    assert tree.find(".//title").text == "Team as a Secure Base: my journal, 29 November 2026"
    assert [h.tag for h in tree.iter() if h.tag in {"h1"}] == ["h1"]
    for landmark in ("header", "main", "footer", "nav"):
        assert tree.find(f".//{landmark}") is not None
    assert "@media print" in exported
    assert "Department for Education" in exported and "Biggart" in exported


def test_scenarios_with_their_choices_and_endings(exported):
    for scenario in SCENARIOS:
        path = scenario.paths()[0]
        assert f"<h3>{escape(scenario.title)}</h3>" in exported
        ending = scenario.get(path[-1]).ending
        assert f"Ending: {escape(ending)}" in exported


def test_a_domain_and_the_scenarios_can_be_left_out():
    journal = full_journal()
    for prompt in COURSE.prompts_for("acceptance"):
        journal.set_reflection(prompt.id, f"only in acceptance: {prompt.id}")
    keep = frozenset({"availability", "sensitivity", "cooperation", "belonging"})
    html = export_html(journal, COURSE, SCENARIOS, ExportChoice(keep, scenarios=False))
    for prompt in COURSE.prompts_for("acceptance"):
        assert escape(prompt.text) not in html
        assert journal.reflection(prompt.id) not in html
    assert 'id="acceptance"' not in html and 'id="scenarios"' not in html
    assert "left out: Acceptance" in html
    with pytest.raises(ValueError, match="no domain"):
        export_html(journal, COURSE, SCENARIOS, ExportChoice(frozenset({"made-up"})))


def test_an_empty_journal_exports_plainly():
    html = export_html(Journal(), COURSE, SCENARIOS)
    parse(html)
    assert html.count("Nothing written in this domain yet.") == 5
    assert "No scenarios played yet." in html


def test_the_export_panel_prepares_a_download(tmp_path, monkeypatch):
    monkeypatch.setenv("SECURE_BASE_JOURNAL", str(tmp_path / "journal.json"))
    monkeypatch.setattr(journal_session, "_session", None)
    session = journal_session.page_session()
    prompt = COURSE.prompts_for("acceptance", "general")[0]
    session.journal.set_reflection(prompt.id, "<b>kept as text</b>")
    panel = ExportPanel(COURSE, session)
    panel.domain_boxes["availability"].value = False
    html = panel.prepare()
    link = re.search(
        r'href="data:text/html;charset=utf-8;base64,([^"]+)" download="([^"]+)"', panel.result.value
    )
    assert link and re.fullmatch(r"secure-base-journal-\d{4}-\d\d-\d\d\.html", link.group(2))
    assert base64.b64decode(link.group(1)).decode() == html
    assert "&lt;b&gt;kept as text&lt;/b&gt;" in html and 'id="availability"' not in html
    for box in [*panel.domain_boxes.values(), panel.scenarios_box]:
        box.value = False
    assert panel.prepare() == ""
    assert "Tick at least one part" in panel.result.value


def test_the_command_line_export(tmp_path):
    store = FileStore(tmp_path / "journal.json")
    journal, _ = store.load()
    prompt = COURSE.prompts_for("belonging", "general")[0]
    journal.set_reflection(prompt.id, "Welcome packs went out by post.")
    store.save(journal)
    out = tmp_path / "mine.html"

    def export(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "widgets.cli", "export", str(out), *options],
            capture_output=True,
            text=True,
        )

    run = export("--journal", str(store.path), "--leave-out", "availability", "--no-scenarios")
    assert run.returncode == 0, run.stderr
    assert f"Your journal was saved as {out}" in run.stdout
    html = out.read_text(encoding="utf-8")
    assert "Welcome packs went out by post." in html and 'id="availability"' not in html
    bad = export("--journal", str(store.path), "--leave-out", "kindness")
    assert bad.returncode == 2 and "no domain kindness" in bad.stderr
    missing = export("--journal", str(tmp_path / "none.json"))
    assert missing.returncode == 1 and "there is no journal" in missing.stderr


def test_the_latest_self_assessment_is_in_the_export():
    journal = full_journal()
    first = journal.start_attempt()
    for statement in COURSE.statements_for("availability"):
        journal.set_rating(first, statement.id, "beginning")
    second = journal.start_attempt()
    statement = COURSE.statements_for("availability")[0]
    journal.set_rating(second, statement.id, "established")
    html = export_html(journal, COURSE, SCENARIOS)
    tree = parse(html)
    table = tree.find(".//section[@id='availability']/table")
    rows = [[c.text for c in row] for row in table.findall("./tbody/tr")]
    assert rows == [[statement.text, "Well established"]]
    assert table.find("./caption").text.startswith("How your team is doing now")
