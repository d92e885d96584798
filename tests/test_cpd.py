"""The CPD record: Social Work England's fields, filled where the course knows the facts, kept in
the journal, copied field by field, and written out as plain text and as a printable page."""

from __future__ import annotations

import html5lib
import pytest

import widgets.journal.session as journal_session
from widgets.content import load_course
from widgets.content.cpd import load_cpd
from widgets.journal import CPD_TEXT_LIMITS, FileStore, Journal, JournalError
from widgets.pages.cpd import CpdRecord
from widgets.reports.cpd import course_activity, cpd_page_html, cpd_text, reminders

COURSE = load_course()
HOSTILE = '<img src=x onerror="window.__pwned = 1">'


def test_the_fields_are_social_work_england_s_in_their_words():
    labels = [f.label for f in load_cpd().field]
    assert labels[0] == "The type of CPD"
    assert "A short description of the activity and why it is relevant to you" in labels
    assert "The date" in labels
    assert "What you learnt from doing the activity" in labels
    assert any(label.startswith("The positive impact the activity has had") for label in labels)
    assert "What you learnt from discussing the activity with a peer" in labels
    assert [f.key for f in load_cpd().field] == list(CPD_TEXT_LIMITS)
    assert [f.key for f in load_cpd().field if f.peer] == ["peer"]
    assert "not connected with Social Work England" in load_cpd().disclaimer
    assert "You submit your record yourself" in load_cpd().disclaimer


def test_a_piece_of_cpd_is_kept_merged_and_deleted_like_any_entry():
    journal = Journal()
    first = journal.add_cpd(type="Online course", learnt="How my team finds me.")
    second = journal.add_cpd()
    assert [e for e, _ in journal.cpd_entries()] == [first, second]
    other = Journal.loads(journal.dumps())
    other.update_cpd(first, impact="Fixed drop-in times.")
    journal.merge(other)
    record = dict(journal.cpd_entries())[first]
    assert record["impact"] == "Fixed drop-in times."
    assert record["learnt"] == "How my team finds me."
    journal.delete_cpd(second)
    assert [e for e, _ in journal.cpd_entries()] == [first]
    assert all(v in ("", True, 1) for k, v in journal.get(f"cpd/{second}").value.items())
    with pytest.raises(JournalError, match="longer than 4,000 characters"):
        journal.update_cpd(first, learnt="x" * 4001)
    with pytest.raises(JournalError, match="no longer in your record"):
        journal.update_cpd(second, learnt="back again")


def test_the_course_fills_in_only_the_facts(tmp_path):
    journal = Journal()
    journal.set_reflection(COURSE.prompts_for("availability")[0].id, "Seen.")
    journal.set_reflection(COURSE.prompts_for("belonging")[0].id, "Heard.")
    facts = course_activity(COURSE, journal)
    assert set(facts) == {"type", "activity", "date"}
    assert "Availability and Team belonging" in facts["activity"]
    assert "Team as a Secure Base Model in Online and Hybrid Spaces" in facts["activity"]
    assert facts["date"][0].isdigit() or facts["date"].startswith("From ")


def test_the_learner_s_own_writing_is_offered_beside_the_fields(session):
    prompt = COURSE.prompts_for("acceptance", "general")[0]
    session.journal.set_reflection(prompt.id, HOSTILE + "I notice who stays quiet.")
    session.journal.add_action(
        what="Ask the team how drop-ins feel",
        who="",
        by="March",
        measure="",
        domain="acceptance",
        stage="general",
    )
    found = reminders(COURSE, session.journal, [])
    assert found["learnt"][0].source == prompt.text
    assert "I notice who stays quiet." in found["learnt"][0].text
    assert found["impact"][0].text.startswith("Ask the team how drop-ins feel")
    record = CpdRecord(COURSE, session)
    record.start()
    view = record.views[0]
    drawn = [c for c in view.children if "sb-cpd-draw-on" in getattr(c, "value", "")]
    assert not drawn  # reminders sit inside each field's group
    html = "".join(
        child.value
        for group in view.children
        for child in getattr(group, "children", [])
        if hasattr(child, "value") and isinstance(child.value, str)
    )
    assert "I notice who stays quiet." in html and "<img" not in html
    assert "&lt;img" in html


def test_drafting_saves_each_field_and_sets_its_copy_button(session, tmp_path):
    record = CpdRecord(COURSE, session)
    assert "You have not started a piece of CPD yet" in record.entries.children[0].value
    entry_id = record.start()
    view = record.views[0]
    assert view.boxes["type"].value.startswith("Online course")
    assert view.boxes["learnt"].value == "" and view.boxes["peer"].value == ""
    view.boxes["peer"].value = "In group supervision, Sam said the drop-ins felt like a test."
    assert view.copies["peer"].text == view.boxes["peer"].value
    state = view.copies["peer"].get_state()
    assert state["label"] == "Copy: What you learnt from discussing the activity with a peer"
    saved, _ = FileStore(tmp_path / "journal.json").load()
    assert dict(saved.cpd_entries())[entry_id]["peer"].startswith("In group supervision")
    # A new page (a reload) finds the draft.
    journal_session.reset()
    again = CpdRecord(COURSE, journal_session.page_session())
    assert again.views[0].boxes["peer"].value.startswith("In group supervision")
    # Too long: refused, the box keeps the text.
    again.views[0].boxes["learnt"].value = "x" * 4001
    assert "Not saved" in again.views[0].status.value


def test_a_piece_of_cpd_is_deleted_only_on_the_second_press(session):
    record = CpdRecord(COURSE, session)
    record.start()
    view = record.views[0]
    assert view.delete() is False and len(session.journal.cpd_entries()) == 1
    assert "Press the button again" in view.status.value
    assert view.delete() is True
    assert session.journal.cpd_entries() == []
    assert "has been deleted" in record.result.value


def test_the_record_as_plain_text_and_as_a_page_to_print(session):
    record = CpdRecord(COURSE, session)
    record.start()
    record.views[0].boxes["learnt"].value = HOSTILE + "\x00What I learnt."
    plain, page = record.prepare()
    assert "Piece of CPD 1" in plain and "What you learnt from doing the activity" in plain
    assert "What I learnt." in plain and "\x00" not in plain
    assert "\x00" not in page and "<img" not in page and "&lt;img" in page
    html5lib.HTMLParser(strict=True).parse(page)
    assert 'lang="en-GB"' in page and "<script" not in page and "http://" not in page.lower()
    assert "@page" in page and "A4" in page
    assert "Download my CPD record (plain text)" in record.result.value
    assert "Download my CPD record (a page to print)" in record.result.value
    assert cpd_text(Journal()).rstrip().endswith("You have not drafted any CPD yet.")
    assert "You have not drafted any CPD yet." in cpd_page_html(COURSE, Journal())
