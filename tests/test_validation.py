"""The pages the course writes are valid HTML: the Nu Html Checker (the W3C's validator) finds
no error in the facilitator’s kit (slides, session plan, prompt cards), the cohort summary, the
learner’s journal export (whole, empty and in part) or the CPD record."""

from __future__ import annotations

import pytest

from widgets.content import load_course, load_scenarios
from widgets.kit import build_kit
from widgets.workshop.cohort import CohortStore, new_device
from widgets.workshop.dashboard import summary_export

from .validator import require_checker, validate_pages

COURSE = load_course()
SCENARIOS = load_scenarios()
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>&amp; "quoted"\n\nand on'
KIT = ["slides.html", "session-plan.html", "prompt-cards.html"]
SUMMARIES = ["cohort-summary.html", "cohort-summary-nobody-shared.html"]
LEARNER = [
    "cpd-record.html",
    "cpd-record-empty.html",
    "journal-export.html",
    "journal-export-empty.html",
    "journal-export-some-parts.html",
]
#: Broken on purpose, and checked in the same run: proof that the checker reads what it is given.
BROKEN = '<!DOCTYPE html><html lang="en-GB"><title>x</title><p id="a"><p id="a"></html><script>'


def _summaries(folder) -> dict[str, str]:
    """The cohort summary of a room that shared (grid, focus, notes, one hidden) and of one
    that has not yet."""
    pages = {}
    store = CohortStore(folder / "c.sqlite", COURSE)
    try:
        code = store.create_cohort("Spring <b>supervisors</b> & “friends”").code
        cells = [(d.key, s.key) for d in COURSE.domains for s in COURSE.stages]
        for person in range(7):
            store.share(
                code, new_device(), {cell: (person + i) % 5 for i, cell in enumerate(cells)}
            )
        store.share(code, new_device(), {("availability", "general"): 2})
        store.post_note(code, new_device(), HOSTILE)
        hidden = store.post_note(code, new_device(), "One to hide from the projector")
        store.set_note_hidden(code, hidden, True)
        pages[SUMMARIES[0]] = summary_export(store.summary(code), COURSE, SCENARIOS)
        empty = store.create_cohort("Nobody yet").code
        pages[SUMMARIES[1]] = summary_export(store.summary(empty), COURSE, SCENARIOS)
    finally:
        store.close()
    return pages


def _learner_pages() -> dict[str, str]:
    """The CPD record with two pieces, hostile text and a NUL in them, and with none."""
    from widgets.journal import Journal
    from widgets.reports.cpd import course_activity, cpd_page_html

    journal = Journal()
    journal.set_reflection(COURSE.prompts_for("availability")[0].id, "Seen.")
    first = journal.add_cpd(**course_activity(COURSE, journal))
    journal.update_cpd(first, learnt=HOSTILE + "\x00 and a NUL", peer="With Sam, in supervision.")
    journal.add_cpd()
    from widgets.reports.export import ExportChoice, export_html

    from .test_export import whole_journal

    whole = whole_journal()
    whole.update_cpd(whole.cpd_entries()[0][0], activity=HOSTILE + "\x00\x0b\ufffe")
    some = ExportChoice(frozenset({"sensitivity"}), scenarios=False, profile=True, cpd=False)
    return {
        LEARNER[0]: cpd_page_html(COURSE, journal),
        LEARNER[1]: cpd_page_html(COURSE, Journal()),
        LEARNER[2]: export_html(whole, COURSE, SCENARIOS),
        LEARNER[3]: export_html(Journal(), COURSE, SCENARIOS),
        LEARNER[4]: export_html(whole, COURSE, SCENARIOS, some),
    }


@pytest.fixture(scope="session")
def checked(tmp_path_factory):
    """Every page, built once and checked in one run of the checker: its errors, by name."""
    require_checker()  # before building anything: skip (or, in CI, fail) without it
    folder = tmp_path_factory.mktemp("validation")
    build_kit(folder / "kit", COURSE)
    pages = {name: (folder / "kit" / name).read_text(encoding="utf-8") for name in KIT}
    pages.update(_summaries(folder))
    pages.update(_learner_pages())
    pages["broken.html"] = BROKEN
    return validate_pages(pages)


@pytest.mark.parametrize("name", KIT + SUMMARIES + LEARNER)
def test_the_page_is_valid_html(checked, name):
    errors = checked[name]
    assert not errors, f"The Nu Html Checker found {len(errors)} error(s):\n" + "\n".join(errors)


def test_the_checker_finds_errors_where_there_are_some(checked):
    found = "\n".join(checked["broken.html"])
    assert "Duplicate ID “a”" in found and "broken.html:1." in found
