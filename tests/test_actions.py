"""The action plan: added from a module, gathered in the closing module, kept in the journal."""

from __future__ import annotations

import pytest

from widgets.content import load_course, load_scenarios
from widgets.journal import FileStore, Journal, JournalError
from widgets.pages.actions import ActionForm, ActionPlan
from widgets.reports.export import export_html

COURSE = load_course()


def add(form: ActionForm, what: str, stage: str = "general", **extra: str) -> str | None:
    return form.add(what, stage, **extra)


def test_an_action_is_added_from_a_module_with_its_domain_and_stage(session, tmp_path):
    form = ActionForm(COURSE, session, "sensitivity")
    assert form.domain == "sensitivity" and form.domain_title == "Sensitivity"
    assert form.labels == [
        "What will you do?",
        "Who with?",
        "By when?",
        "How will you know it has worked?",
    ]
    action_id = add(
        form,
        "Agree chat ground rules",
        "sustaining",
        who="the whole team",
        by="end of January",
        measure="No more curt threads in a month",
    )
    assert action_id and "Added. Your action plan now has 1 action" in form.status
    saved, _ = FileStore(tmp_path / "journal.json").load()
    ((stored_id, action),) = saved.actions()
    assert stored_id == action_id
    assert action == {
        "what": "Agree chat ground rules",
        "who": "the whole team",
        "by": "end of January",
        "measure": "No more curt threads in a month",
        "domain": "sensitivity",
        "stage": "sustaining",
        "done": False,
        "deleted": False,
        "order": 0,
    }


def test_an_action_needs_a_what_and_fits_the_limits(session, tmp_path):
    form = ActionForm(COURSE, session, "availability")
    assert add(form, "   ") is None
    assert "Say what you will do" in form.status
    assert add(form, "x" * 501) is None
    assert "longer than 500 characters" in form.status
    # Values the form never offered, sent as a browser could send them.
    for values, says in [
        ({"what": "Go", "domain": "availability", "stage": "someday"}, "not one of the four"),
        ({"what": "Go", "domain": "sensitivity", "stage": "general"}, "this module's domain"),
        ({"what": ["Go"], "domain": "availability", "stage": "general"}, "was not text"),
        ({"what": "Go", "domain": "availability", "stage": "general", "x": "1"}, "not an action"),
        ("Go", "not an action"),
    ]:
        reply = form.receive({"kind": "add", "values": values})
        assert not reply.saved and says in reply.message and reply.message.endswith(".")
    assert session.journal.actions() == []
    assert not (tmp_path / "journal.json").exists()


def test_the_plan_reorders_edits_marks_done_and_deletes(session):
    form = ActionForm(COURSE, session, "cooperation")
    first = add(form, "Publish the allocation criteria")
    second = add(form, "Start a fortnightly practice huddle", "fine_tuning")
    third = add(form, "Ask for a shared tracker", "practical")
    plan = ActionPlan(COURSE, session)
    order = lambda: [a for a, _ in session.journal.actions()]  # noqa: E731
    assert order() == [first, second, third]
    plan.move(third, -1)
    assert order() == [first, third, second] and plan.focus == third
    assert plan.move(first, -1) is False and "already at that end" in plan.status.value
    plan.set_done(third, True)
    assert dict(session.journal.actions())[third]["done"] is True
    plan.edit(second)
    editor = plan.list.children[2].children[0]
    editor.inputs["what"].value = "Start a weekly practice huddle"
    plan.save_edit(second, editor)
    assert dict(session.journal.actions())[second]["what"] == "Start a weekly practice huddle"
    plan.delete(first)
    assert order() == [third, second] and plan.focus == third
    # A deleted action keeps no text in the journal, so nothing of it can come back.
    record = session.journal.get(f"action/{first}").value
    assert record["deleted"] and record["what"] == ""
    assert "Publish the allocation criteria" not in session.journal.dumps()


def test_learner_text_in_the_plan_is_escaped(session):
    form = ActionForm(COURSE, session, "belonging")
    add(form, '<img src=x onerror="alert(1)"> Welcome pack', who="<b>Sam</b>")
    plan = ActionPlan(COURSE, session)
    html = plan.list.children[0].children[0].value
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;b&gt;Sam&lt;/b&gt;" in html


VALID = {
    "what": "ok",
    "who": "",
    "by": "",
    "measure": "",
    "domain": "availability",
    "stage": "general",
    "done": False,
    "deleted": False,
    "order": 0,
}


def test_the_base_record_is_valid():
    Journal().set("action/abc", dict(VALID))


@pytest.mark.parametrize(
    "record",
    [
        {"what": "x"},
        {**VALID, "what": ""},
        {**VALID, "what": "x" * 501},
        {**VALID, "done": "yes"},
        {**VALID, "deleted": True},
    ],
)
def test_malformed_actions_are_refused(record):
    with pytest.raises(JournalError):
        Journal().set("action/abc", record)


def test_actions_are_in_the_export_by_domain_choice():
    journal = Journal()
    journal.add_action(
        what="Agree chat ground rules",
        who="",
        by="",
        measure="",
        domain="sensitivity",
        stage="sustaining",
    )
    journal.add_action(
        what="Private action", who="", by="", measure="", domain="acceptance", stage="general"
    )
    from widgets.reports.export import ExportChoice

    everything = export_html(journal, COURSE, load_scenarios())
    assert "Agree chat ground rules" in everything and "Private action" in everything
    keep = frozenset(d.key for d in COURSE.domains) - {"acceptance"}
    shared = export_html(journal, COURSE, load_scenarios(), ExportChoice(keep))
    assert "Agree chat ground rules" in shared and "Private action" not in shared
