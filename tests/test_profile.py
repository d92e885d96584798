"""The profile: figures checked against a known journal, unanswered never shown as zero, and
comparison between attempts."""

from __future__ import annotations

import re

import html5lib
import pytest

import widgets.journal.session as journal_session
from widgets.content import load_course
from widgets.journal import Journal
from widgets.pages.profile import ProfileView
from widgets.reports.profile import moved, profile, profile_svg, profile_table

COURSE = load_course()


def rate(journal: Journal, attempt: str, domain: str, stage: str, levels: list[str]) -> None:
    for statement, level in zip(COURSE.statements_for(domain, stage), levels, strict=True):
        journal.set_rating(attempt, statement.id, level)


@pytest.fixture
def journal() -> Journal:
    j = Journal()
    first = j.start_attempt()
    rate(j, first, "availability", "general", ["not_yet", "partly", "established"])  # 0,2,4
    rate(j, first, "sensitivity", "practical", ["mostly", "unsure", "beginning"])  # 3,-,1
    rate(j, first, "belonging", "sustaining", ["unsure", "unsure", "unsure"])
    return j


def test_cell_figures_from_a_known_journal(journal):
    cells = profile(journal, COURSE, journal.attempts()[-1][0])
    assert len(cells) == 20
    general = cells[("availability", "general")]
    assert (general.score, general.answered, general.total) == (2.0, 3, 3)
    practical = cells[("sensitivity", "practical")]
    assert (practical.score, practical.answered, practical.unsure) == (2.0, 3, 1)
    unsure = cells[("belonging", "sustaining")]
    assert unsure.score is None and unsure.label == "not sure"
    empty = cells[("cooperation", "fine_tuning")]
    assert empty.score is None and empty.answered == 0 and empty.label == "no rating"


def test_a_zero_looks_like_a_zero_and_nothing_looks_like_nothing(journal):
    attempt = journal.attempts()[-1][0]
    rate(journal, attempt, "acceptance", "general", ["not_yet", "not_yet", "not_yet"])
    cells = profile(journal, COURSE, attempt)
    svg = profile_svg(cells, COURSE, "today")
    table = profile_table(cells, COURSE, "today")
    assert cells[("acceptance", "general")].score == 0.0
    assert ">0.0<" in svg and "0.0 of 4 (3 of 3 answered)" in table
    assert svg.count('fill="url(#sb-hatch)"') == sum(1 for c in cells.values() if c.score is None)
    assert table.count("Not answered") == sum(
        1 for c in cells.values() if c.score is None and not c.unsure
    )
    assert 'role="img"' in svg and "aria-labelledby" in svg


def test_the_table_is_a_proper_data_table(journal):
    cells = profile(journal, COURSE, journal.attempts()[-1][0])
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parseFragment(
        profile_table(cells, COURSE, "1 December 2026")
    )
    table = tree.find(".//table")
    assert table.find("caption").text.startswith("Your secure-base profile")
    assert [th.text for th in table.findall("./thead/tr/th")] == [s.title for s in COURSE.stages]
    assert [th.text for th in table.findall("./tbody/tr/th")] == [d.title for d in COURSE.domains]
    assert all(th.get("scope") in {"col", "row"} for th in table.iter("th"))


def test_comparing_two_attempts_names_the_cells_that_moved(journal):
    first = journal.attempts()[-1][0]
    second = journal.start_attempt()
    rate(journal, second, "availability", "general", ["partly", "mostly", "established"])  # 3.0
    rate(journal, second, "sensitivity", "practical", ["beginning", "unsure", "beginning"])  # 1.0
    now, before = profile(journal, COURSE, second), profile(journal, COURSE, first)
    assert moved(now, before, COURSE) == [
        "Availability, general considerations: up from 2.0 to 3.0",
        "Sensitivity, practical considerations: down from 2.0 to 1.0",
    ]
    table = profile_table(now, COURSE, "today", before, "last month")
    assert "3.0 of 4 (3 of 3 answered); was 2.0" in table
    assert "compared with last month" in table


def test_the_profile_view_draws_compares_and_starts_a_new_attempt(tmp_path, monkeypatch, journal):
    monkeypatch.setenv("SECURE_BASE_JOURNAL", str(tmp_path / "journal.json"))
    monkeypatch.delenv("SECURE_BASE_STORE", raising=False)
    monkeypatch.setattr(journal_session, "_session", None)
    session = journal_session.page_session()
    view = ProfileView(COURSE, session)
    assert "You have not rated any statements yet" in view.picture.value
    session.journal.merge(journal)
    session.changed()
    assert "<svg" in view.picture.value and view.compare.disabled
    assert view.start_new() == "2"
    assert not view.compare.disabled
    assert [label for label, _ in view.compare.options][0] == "Nothing"
    view.compare.value = "1"
    assert "compared with Self-assessment" not in view.picture.value  # the caption names a date
    assert re.search(r"compared with \d{1,2} \w+ \d{4}", view.picture.value)
    assert "No cell moved" in view.picture.value or "What moved" in view.picture.value
    assert session.journal.attempts()[-1][0] == "2"


def test_a_new_self_assessment_that_cannot_be_saved_tells_the_learner(session, monkeypatch):
    view = ProfileView(COURSE, session)

    def broken_save(journal):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(session.store, "save", broken_save)
    assert view.start_new() is None
    assert "A new self-assessment could not start" in view.status.value
    assert 'data-sb-announce="alert"' in view.status.value


def test_a_profile_of_fewer_domains_says_so_and_has_no_empty_rows():
    import dataclasses

    two = dataclasses.replace(COURSE, domains=COURSE.domains[:2])
    svg = profile_svg(profile(Journal(), two, None), two, "today")
    assert "A grid of the two domains by the four stages" in svg
    assert 'viewBox="0 0 640 207"' in svg  # 58 + 2 x 46 + 57: as tall as two rows
    full = profile_svg(profile(Journal(), COURSE, None), COURSE, "today")
    assert "A grid of the five domains by the four stages" in full
    assert 'viewBox="0 0 640 345"' in full
