"""The journal exported as a web page: complete, escaped, self-contained, valid, chosen."""

from __future__ import annotations

import base64
import errno
import os
import re
import subprocess
import sys
from datetime import datetime
from html import escape
from pathlib import Path

import html5lib
import pytest

import widgets.journal.session as journal_session
from widgets import cli
from widgets.content import load_course, load_scenarios
from widgets.journal import FileStore, Journal, JournalError
from widgets.pages.panels import ExportPanel
from widgets.reports.export import ExportChoice, export_html
from widgets.reports.profile import moved, profile, profile_svg, profile_table, when_started
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
    for box in [
        *panel.domain_boxes.values(),
        panel.scenarios_box,
        panel.profile_box,
        panel.actions_box,
        panel.cpd_box,
    ]:
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


# -- the whole picture: profile, action plan, reflections, scenarios with their debriefs ----


def rate(journal: Journal, attempt: str, started: str, levels: dict[str, str]) -> None:
    """An attempt that started at ``started``, with ``levels`` by statement id."""
    journal.set(f"attempt/{attempt}", {"started": started})
    for statement_id, level in levels.items():
        journal.set_rating(attempt, statement_id, level)


def two_attempts(journal: Journal) -> Journal:
    """In March every availability statement at "beginning"; in June the general ones are
    "well established", the rest still "beginning", and acceptance "partly in place"."""
    availability = COURSE.statements_for("availability")
    rate(journal, "1", "2026-03-02T10:00:00+00:00", {s.id: "beginning" for s in availability})
    june = {s.id: "established" if s.stage == "general" else "beginning" for s in availability}
    june |= {s.id: "partly" for s in COURSE.statements_for("acceptance")}
    rate(journal, "2", "2026-06-15T14:30:00+00:00", june)
    return journal


def whole_journal() -> Journal:
    """Everything a journal can hold: reflections, scenarios, two self-assessments, actions, CPD."""
    journal = two_attempts(full_journal())
    journal.add_action(
        what="Agree team chat ground rules <b>together</b>",
        who="Whole team",
        by="End of May",
        measure="Nobody apologises for asking in the chat",
        domain="sensitivity",
        stage="sustaining",
    )
    journal.add_action(
        what="A private action", who="", by="", measure="", domain="acceptance", stage="general"
    )
    journal.add_cpd(
        type="Online course",
        learnt="Drop-ins <b>work</b> when they are predictable.",
        peer="In supervision with Priya, I saw the drop-ins as my new starters do.",
    )
    return journal


@pytest.fixture(scope="module")
def whole() -> str:
    return export_html(whole_journal(), COURSE, SCENARIOS, now=datetime(2026, 11, 29, 10, 0))


@pytest.mark.parametrize("page", ["exported", "whole"])
def test_every_page_is_valid_escaped_and_self_contained(request, page):
    html = request.getfixturevalue(page)
    tree = parse(html)  # strict: any parse error raises
    for tag in ("script", "link", "img", "iframe", "object", "embed", "base"):
        assert tree.findall(f".//{tag}") == [], tag
    # The profile's hatching is the one url(), and it points inside the page.
    assert re.findall(r"url\(\s*['\"]?(?!#)", html) == [] and "@import" not in html
    for element in tree.iter():
        assert not any(str(name).lower().startswith("on") for name in element.attrib)
        assert "src" not in element.attrib
        for name, value in element.attrib.items():
            if str(name).endswith("href"):
                assert value.startswith(("#", "https://")), value
    texts = [d.text for d in tree.findall(".//div[@class='answer']")]
    for payload in HOSTILE:
        assert payload in texts, payload
    assert "@media print" in html and "size: A4" in html


def section_ids(tree) -> list[str]:
    return [s.get("id") for s in tree.findall(".//main/section")]


def test_the_profile_is_drawn_as_the_closing_page_draws_it(whole):
    journal = whole_journal()
    (before, before_started), (latest, started) = journal.attempts()
    cells = profile(journal, COURSE, latest)
    earlier = profile(journal, COURSE, before)
    when, earlier_when = when_started(started), when_started(before_started)
    # The very picture and table of the closing page, compared with the previous attempt.
    assert profile_svg(cells, COURSE, when) in whole
    assert profile_table(cells, COURSE, when, earlier, earlier_when) in whole
    tree = parse(whole)
    section = tree.find(".//section[@id='profile']")
    assert section.find(".//{http://www.w3.org/2000/svg}svg") is not None
    table = section.find(".//table[@class='sb-profile-table']")
    rows = {row[0].text: [c.text for c in row[1:]] for row in table.findall("./tbody/tr")}
    assert rows["Availability"][0] == "4.0 of 4 (3 of 3 answered); was 1.0"
    assert rows["Availability"][1] == "1.0 of 4 (3 of 3 answered); was 1.0"
    assert rows["Acceptance"][0].startswith("2.0 of 4") and rows["Acceptance"][0].endswith(
        "; was no rating"
    )
    assert rows["Cooperation"][0] == "Not answered; was no rating"
    assert "compared with " + earlier_when in table.find("./caption").text


def test_the_profile_says_what_moved_since_the_previous_self_assessment(whole):
    journal = whole_journal()
    (before, earlier_started), (latest, _started) = journal.attempts()
    changes = moved(profile(journal, COURSE, latest), profile(journal, COURSE, before), COURSE)
    assert changes == ["Availability, general considerations: up from 1.0 to 4.0"]
    tree = parse(whole)
    section = tree.find(".//section[@id='profile']")
    heading = section.find("./h3").text
    assert heading == f"What moved since your self-assessment of {when_started(earlier_started)}"
    assert [li.text for li in section.findall("./ul[@class='moved']/li")] == changes
    # With a single self-assessment there is nothing to compare and nothing is said to move.
    one = Journal()
    rate(one, "1", "2026-03-02T10:00:00+00:00", {COURSE.statements[0].id: "mostly"})
    single = parse(export_html(one, COURSE, SCENARIOS)).find(".//section[@id='profile']")
    assert single.find("./ul[@class='moved']") is None
    assert "compared with" not in single.find(".//caption").text
    assert "3.0 of 4 (1 of 3 answered)" in single.find(".//table/tbody/tr/td").text


def test_without_a_self_assessment_the_profile_says_so():
    tree = parse(export_html(Journal(), COURSE, SCENARIOS))
    section = tree.find(".//section[@id='profile']")
    assert section.find(".//{http://www.w3.org/2000/svg}svg") is None
    assert "not rated any statements yet" in section.find("./p").text


def test_each_played_scenario_has_its_debrief_and_prompts_to_take_further(whole):
    tree = parse(whole)
    articles = tree.findall(".//section[@id='scenarios']/article")
    assert len(articles) == len(SCENARIOS)
    anchors = {el.get("id") for el in tree.iter() if el.get("id")}
    for article, scenario in zip(articles, SCENARIOS, strict=True):
        ending = scenario.get(scenario.paths()[0][-1])
        assert article.find("./h3").text == scenario.title
        block = article.find("./div[@class='ending']")
        assert block.find("./h4").text == f"Ending: {ending.ending}"
        debrief = block.find("./div[@class='debrief']")
        paragraphs = [p.text for p in debrief.findall("./p")]
        for paragraph in ending.paragraphs("debrief"):
            assert paragraph in paragraphs, paragraph
        assert "At stake:" in "".join(debrief.find("./p[@class='stakes']").itertext())
        links = debrief.findall("./ul[@class='prompt-links']/li/a")
        assert [a.text for a in links] == [COURSE.prompt(p).text for p in ending.prompts]
        for link, prompt_id in zip(links, ending.prompts, strict=True):
            # Each link leads to the learner's own answer on this page.
            assert link.get("href") == f"#prompt-{prompt_id}"
            assert f"prompt-{prompt_id}" in anchors


def test_a_debrief_prompt_not_on_the_page_is_named_but_not_linked():
    scenario = SCENARIOS[0]
    path = scenario.paths()[0]
    run = ScenarioRun(scenario)
    for here, there in zip(path, path[1:], strict=False):
        run.choose([c.next for c in scenario.get(here).choice].index(there))
    journal = Journal()
    journal.set_scenario(scenario.id, run.record())
    ending = scenario.get(path[-1])
    answered, *rest = ending.prompts
    journal.set_reflection(answered, "Answered, in a domain left out.")
    domain = COURSE.prompt(answered).domain
    keep = frozenset(d.key for d in COURSE.domains) - {domain}
    tree = parse(export_html(journal, COURSE, SCENARIOS, ExportChoice(keep)))
    items = tree.findall(".//ul[@class='prompt-links']/li")
    assert [li.find("a") for li in items] == [None] * len(ending.prompts)
    notes = [li.find("span").text for li in items]
    assert notes == ["(left out of this copy)"] + ["(not answered yet)"] * len(rest)
    for li, prompt_id in zip(items, ending.prompts, strict=True):
        assert COURSE.prompt(prompt_id).text in "".join(li.itertext())


def test_endings_reached_on_earlier_paths_keep_their_debriefs():
    scenario = next(s for s in SCENARIOS if len({p[-1] for p in s.paths()}) >= 2)
    first, second = (
        scenario.paths()[0],
        next(p for p in scenario.paths() if p[-1] != scenario.paths()[0][-1]),
    )
    run = ScenarioRun(scenario)
    for path in (first, second):
        run.restart()
        for here, there in zip(path, path[1:], strict=False):
            run.choose([c.next for c in scenario.get(here).choice].index(there))
    run.restart()  # now back at the start, both endings reached
    journal = Journal()
    journal.set_scenario(scenario.id, run.record())
    tree = parse(export_html(journal, COURSE, SCENARIOS))
    article = tree.find(".//section[@id='scenarios']/article")
    titles = [d.find("./h4").text for d in article.findall("./div[@class='ending']")]
    assert titles == [f"Ending: {scenario.get(p[-1]).ending}" for p in (first, second)]
    assert "Endings you reached on earlier paths:" in article.find("./p[@class='others']").text


def test_the_contents_list_follows_the_sections_of_the_page(whole):
    tree = parse(whole)
    contents = [a.get("href") for a in tree.findall(".//nav[@class='toc']//a")]
    ids = section_ids(tree)
    assert contents == [f"#{i}" for i in ids]
    assert ids == ["profile", "actions", *(d.key for d in COURSE.domains), "scenarios", "cpd"]
    names = [a.text for a in tree.findall(".//nav[@class='toc']//a")]
    headings = [s.find("./h2").text for s in tree.findall(".//main/section")]
    assert names == headings
    # Leaving parts out takes them out of both, in step.
    fewer = parse(
        export_html(
            whole_journal(),
            COURSE,
            SCENARIOS,
            ExportChoice(frozenset({"cooperation"}), scenarios=False, profile=False, cpd=False),
        )
    )
    assert section_ids(fewer) == ["actions", "cooperation"]
    assert [a.get("href") for a in fewer.findall(".//nav[@class='toc']//a")] == [
        "#actions",
        "#cooperation",
    ]


def test_today_s_choice_still_means_what_it_did():
    keys = frozenset(d.key for d in COURSE.domains)
    choice = ExportChoice(keys, False)
    assert (choice.profile, choice.actions, choice.scenarios) == (True, True, False)
    assert ExportChoice.everything(COURSE) == ExportChoice(keys, True, True, True, True)
    assert not ExportChoice(frozenset(), False, False, False, False).anything


DOMAIN_IDS = [d.key for d in COURSE.domains]


@pytest.mark.parametrize(
    ("choice", "sections", "gone", "kept", "said"),
    [
        (
            {"profile": False},
            ["actions", *DOMAIN_IDS, "scenarios", "cpd"],
            ['<table class="sb-profile-table"', "<svg"],
            ["Agree team chat ground rules", "Debrief"],
            "left out: the profile.",
        ),
        (
            {"actions": False},
            ["profile", *DOMAIN_IDS, "scenarios", "cpd"],
            ["Agree team chat ground rules", "A private action"],
            ["<svg", "Debrief"],
            "left out: the action plan.",
        ),
        (
            {"scenarios": False},
            ["profile", "actions", *DOMAIN_IDS, "cpd"],
            ["Debrief", "Ending: ", "At stake:"],
            ["<svg", "Agree team chat ground rules"],
            "left out: the scenarios.",
        ),
        (
            {"domains": "acceptance"},
            [
                "profile",
                "actions",
                *(d for d in DOMAIN_IDS if d != "acceptance"),
                "scenarios",
                "cpd",
            ],
            ["A private action", '<th scope="row">Acceptance</th>', "Partly in place"],
            ["Agree team chat ground rules", '<th scope="row">Availability</th>', "Debrief"],
            "left out: Acceptance.",
        ),
        (
            {"cpd": False},
            ["profile", "actions", *DOMAIN_IDS, "scenarios"],
            ["Your CPD record", "Piece of CPD 1", "In supervision with Priya"],
            ["<svg", "Debrief"],
            "left out: the CPD record.",
        ),
    ],
)
def test_each_part_can_be_left_out(choice, sections, gone, kept, said):
    keys = frozenset(DOMAIN_IDS)
    if "domains" in choice:
        choice = {"domains": keys - {choice["domains"]}}
    picked = ExportChoice(**{"domains": keys, **choice})
    html = export_html(whole_journal(), COURSE, SCENARIOS, picked)
    assert section_ids(parse(html)) == sections
    for marker in gone:
        assert marker not in html, marker
    for marker in kept:
        assert marker in html, marker
    assert said in html


def test_the_whole_domain_is_private_when_left_out():
    keys = frozenset(d.key for d in COURSE.domains) - {"acceptance"}
    html = export_html(whole_journal(), COURSE, SCENARIOS, ExportChoice(keys))
    section = parse(html).find(".//section[@id='profile']")
    rows = [row[0].text for row in section.findall(".//table/tbody/tr")]
    assert rows == [d.title for d in COURSE.domains if d.key != "acceptance"]
    assert "Left out of this copy: Acceptance." in "".join(section.itertext())
    assert "Partly in place" not in html  # acceptance's ratings, nowhere


FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\x80\x9f\ud800\udfff\ufffe\uffff"


def test_characters_html_forbids_are_dropped_from_the_page_not_the_journal():
    journal = Journal()
    prompt = COURSE.prompts_for("availability", "general")[0]
    typed = f"before{FORBIDDEN}after\ttab\nnew line\r\nand \U0001f642"
    journal.set_reflection(prompt.id, typed)
    journal.add_action(
        what="nul\x00in an action",
        who="",
        by="",
        measure="",
        domain="sensitivity",
        stage="general",
    )
    html = export_html(journal, COURSE, SCENARIOS)
    data = html.encode("utf-8")  # a lone surrogate would make this fail
    assert b"\x00" not in data
    assert not any(c in html for c in FORBIDDEN)
    tree = parse(html)
    answer = tree.find(".//div[@class='answer']").text
    assert answer == "beforeafter\ttab\nnew line\nand \U0001f642"  # \r\n is a newline in HTML
    assert "nulin an action" in html
    assert journal.reflection(prompt.id) == typed  # the journal keeps the exact text


# -- `secure-base export` never harms -------------------------------------------------------


def saved_journal(folder) -> FileStore:
    """A journal saved twice, so that it has its previous version beside it."""
    store = FileStore(folder / "journal.json")
    journal, _ = store.load()
    prompt = COURSE.prompts_for("belonging", "general")[0]
    journal.set_reflection(prompt.id, "Welcome packs went out by post.")
    store.save(journal)
    journal.set_reflection(prompt.id, "Welcome packs went out by post, with a card.")
    store.save(journal)
    return store


def export_in_process(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(["export", *argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder) -> dict[str, bytes]:
    """Every file in ``folder`` (the lock aside), byte for byte."""
    return {
        p.name: p.read_bytes()
        for p in folder.iterdir()
        if p.is_file() and not p.name.endswith(".lock")
    }


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (b'{"format": "secure-base-journal", "vers', "not valid JSON"),
        (b"\x00\xff\xfe not even text", "not valid JSON"),
        (b'{"format": "something else"}', "not a Team as a Secure Base journal"),
        (b"[" * 5000 + b"]" * 5000, "nested far too deeply"),
    ],
)
def test_a_damaged_journal_is_reported_and_left_exactly_as_it_was(tmp_path, capsys, damage, reason):
    store = saved_journal(tmp_path)
    store.path.write_bytes(damage)
    before = snapshot(tmp_path)
    out = tmp_path / "out" / "mine.html"
    out.parent.mkdir()
    code, stdout, stderr = export_in_process(capsys, str(out), "--journal", str(store.path))
    assert code == 1 and stdout == ""
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert f"your journal at {store.path} could not be read" in stderr and reason in stderr
    assert "left exactly as it was" in stderr and "journal.json.bak" in stderr
    assert snapshot(tmp_path) == before  # the journal and its backup, byte for byte
    assert store.path.read_bytes() == damage
    assert not list(tmp_path.glob("*.unreadable-*")) and not out.exists()


def test_reading_a_journal_never_changes_it(tmp_path):
    store = saved_journal(tmp_path)
    assert (
        store.read()
        .reflection(COURSE.prompts_for("belonging", "general")[0].id)
        .endswith("with a card.")
    )
    store.path.write_bytes(b"{ damaged")
    before = snapshot(tmp_path)
    with pytest.raises(JournalError, match="not valid JSON"):
        store.read()
    assert snapshot(tmp_path) == before
    # A missing file gives the previous saved copy, and still nothing is written.
    store.path.unlink()
    before = snapshot(tmp_path)
    assert store.read().reflection(COURSE.prompts_for("belonging", "general")[0].id)
    assert snapshot(tmp_path) == before
    # A journal in a folder that is not there is empty, and the folder is not made.
    assert len(FileStore(tmp_path / "nowhere" / "journal.json").read()) == 0
    assert not (tmp_path / "nowhere").exists()


def test_a_journal_whose_lock_cannot_be_made_is_still_read(tmp_path, monkeypatch):
    store = saved_journal(tmp_path)

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(store.lock_path))

    monkeypatch.setattr(store._lock, "acquire", refuse)
    assert len(store.read()) == 1


@pytest.mark.parametrize(
    ("where", "said"),
    [
        (lambda tmp: tmp / "no such folder" / "mine.html", "there is no folder"),
        (lambda tmp: tmp, "that is a folder; give a file name, such as"),
        (lambda tmp: tmp / "journal.json.bak" / "mine.html", "is a file, not a folder"),
    ],
)
def test_an_output_that_cannot_be_written_gets_one_line(tmp_path, capsys, where, said):
    store = saved_journal(tmp_path)
    before = snapshot(tmp_path)
    out = where(tmp_path)
    code, stdout, stderr = export_in_process(capsys, str(out), "--journal", str(store.path))
    assert code == 1 and stdout == ""
    assert stderr.startswith(f"secure-base: the web page could not be saved as {out}: ")
    assert stderr.count("\n") == 1 and said in stderr and "Traceback" not in stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("problem", "said"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "you do not have permission"),
        (OSError(errno.EROFS, "Read-only file system"), "that place is read-only"),
        (OSError(errno.ENOSPC, "No space left on device"), "not enough space left"),
    ],
)
@pytest.mark.parametrize("when", ["opening", "writing"])
def test_a_place_that_refuses_the_page_gets_one_line(
    tmp_path, capsys, monkeypatch, problem, said, when
):
    store = saved_journal(tmp_path)
    out = tmp_path / "mine.html"
    real_open = Path.open

    class Refusing:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, _data):
            self.handle.write(b"half a page")
            raise problem

    def guarded(self, *args, **kwargs):
        if self == out:
            if when == "opening":
                raise problem
            return Refusing(real_open(self, *args, **kwargs))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)
    code, stdout, stderr = export_in_process(capsys, str(out), "--journal", str(store.path))
    assert code == 1 and stdout == ""
    assert stderr.startswith(f"secure-base: the web page could not be saved as {out}: ")
    assert said in stderr and stderr.count("\n") == 1
    assert not out.exists()  # never half a page


def test_a_read_only_folder_gets_one_line(tmp_path, capsys):
    store = saved_journal(tmp_path)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        # Root may write in any folder it owns; /sys refuses new files even to root.
        assert Path("/sys").is_dir(), "a place even root may not write in"
        out = Path("/sys/mine.html")
        code, _, stderr = export_in_process(capsys, str(out), "--journal", str(store.path))
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            out = locked / "mine.html"
            code, _, stderr = export_in_process(capsys, str(out), "--journal", str(store.path))
        finally:
            locked.chmod(0o700)
    assert code == 1 and "you do not have permission" in stderr and str(out) in stderr


@pytest.mark.parametrize("name", ["journal.json", "journal.json.bak"])
def test_the_page_never_overwrites_the_journal(tmp_path, capsys, name):
    store = saved_journal(tmp_path)
    before = snapshot(tmp_path)
    code, _, stderr = export_in_process(capsys, str(tmp_path / name), "--journal", str(store.path))
    assert code == 1 and "is where your journal is kept" in stderr
    assert snapshot(tmp_path) == before


def test_a_good_export_still_works_in_process(tmp_path, capsys):
    store = saved_journal(tmp_path)
    journal, _ = store.load()
    two_attempts(journal)
    journal.add_action(
        what="Post the welcome pack",
        who="",
        by="",
        measure="",
        domain="belonging",
        stage="general",
    )
    journal.set_reflection(COURSE.prompts_for("availability")[0].id, "typed\x00with a nul")
    store.save(journal)
    before = snapshot(tmp_path)
    out = tmp_path / "mine.html"
    code, stdout, stderr = export_in_process(capsys, str(out), "--journal", str(store.path))
    assert (code, stderr) == (0, "")
    assert stdout.startswith(f"Your journal was saved as {out} (")
    data = out.read_bytes()
    assert b"\x00" not in data and b"typedwith a nul" in data
    tree = parse(data.decode("utf-8"))
    assert section_ids(tree)[:2] == ["profile", "actions"]
    assert "Welcome packs went out by post, with a card." in data.decode("utf-8")
    assert snapshot(tmp_path) == {**before, "mine.html": data}
    code, _, _ = export_in_process(
        capsys, str(out), "--journal", str(store.path), "--no-profile", "--no-actions"
    )
    assert code == 0
    assert section_ids(parse(out.read_text(encoding="utf-8")))[0] == "availability"
    everything_out = ["--no-profile", "--no-actions", "--no-scenarios", "--no-cpd"]
    for domain in COURSE.domains:
        everything_out += ["--leave-out", domain.key]
    code, _, stderr = export_in_process(
        capsys, str(out), "--journal", str(store.path), *everything_out
    )
    assert code == 2 and "nothing to save" in stderr


@pytest.mark.parametrize(
    ("problem", "said"),
    [
        (TimeoutError("The file lock could not be acquired."), "is being saved by a page"),
        (PermissionError(errno.EACCES, "Permission denied"), "could not be read (Permission"),
    ],
)
def test_a_journal_that_cannot_be_read_now_gets_one_line(
    tmp_path, capsys, monkeypatch, problem, said
):
    store = saved_journal(tmp_path)
    before = snapshot(tmp_path)

    def refuse(_self):
        raise problem

    monkeypatch.setattr(FileStore, "read", refuse)
    out = tmp_path / "mine.html"
    code, stdout, stderr = export_in_process(capsys, str(out), "--journal", str(store.path))
    assert code == 1 and stdout == "" and stderr.count("\n") == 1 and said in stderr
    assert "Nothing was exported" in stderr and not out.exists()
    assert snapshot(tmp_path) == before


def test_the_cpd_record_is_in_the_export_field_by_field(whole):
    tree = parse(whole)
    section = next(s for s in tree.findall(".//main/section") if s.get("id") == "cpd")
    assert section.find("./h2").text == "Your CPD record"
    labels = [dt.text for dt in section.iter("dt")]
    assert labels[0] == "The type of CPD"
    assert labels[-1] == "What you learnt from discussing the activity with a peer"
    assert "In supervision with Priya" in whole
    assert "Drop-ins &lt;b&gt;work&lt;/b&gt;" in whole and "<b>work" not in whole
