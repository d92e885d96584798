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
    drawn = lambda: [a["id"] for a in plan.actions]  # noqa: E731
    assert order() == drawn() == [first, second, third]
    assert plan.move(third, -1) is True
    assert order() == drawn() == [first, third, second] and plan.focus == third
    assert "Moved up." in plan.status
    assert plan.move(first, -1) is False and "already at that end" in plan.status
    assert "sb-status-problem" not in plan.status  # saying so is not a problem
    plan.set_done(third, True)
    assert dict(session.journal.actions())[third]["done"] is True
    assert (
        plan.titles[1] == "2. Ask for a shared tracker (done)" and "Marked as done." in plan.status
    )
    plan.set_done(third, False)
    assert "Marked as not done yet." in plan.status and plan.actions[1]["done"] is False
    assert plan.save_edit(second, what="Start a weekly practice huddle", who="the seniors")
    assert dict(session.journal.actions())[second]["what"] == "Start a weekly practice huddle"
    edited = plan.actions[2]
    assert edited["who"] == "the seniors" and edited["stage"] == "fine_tuning"
    assert edited["stage_title"] == "Fine tuning" and edited["domain_title"] == "Cooperation"
    assert "Saved." in plan.status and plan.focus == second
    plan.delete(first)
    assert order() == drawn() == [third, second] and plan.focus == third
    assert "Deleted from your plan." in plan.status
    assert [a["position"] for a in plan.actions] == [1, 2]
    # A deleted action keeps no text in the journal, so nothing of it can come back.
    record = session.journal.get(f"action/{first}").value
    assert record["deleted"] and record["what"] == ""
    assert "Publish the allocation criteria" not in session.journal.dumps()
    assert "Publish the allocation criteria" not in str(plan.get_state())
    # Deleting the last action leaves focus for the empty plan's paragraph.
    plan.delete(second)
    plan.delete(third)
    assert plan.actions == [] and plan.focus is None
    assert plan.empty.startswith("Your action plan is empty.")


def test_every_change_is_saved_to_the_journal_file(session, tmp_path):
    form = ActionForm(COURSE, session, "belonging")
    first = add(form, "Welcome pack for new starters")
    second = add(form, "Buddy for the first month")
    plan = ActionPlan(COURSE, session)
    plan.move(second, -1)
    plan.set_done(first, True)
    plan.save_edit(second, measure="New starters say they felt expected")
    saved, _ = FileStore(tmp_path / "journal.json").load()
    assert [a for a, _ in saved.actions()] == [second, first]
    assert dict(saved.actions())[first]["done"] is True
    assert dict(saved.actions())[second]["measure"] == "New starters say they felt expected"


def test_a_plan_that_cannot_be_saved_is_as_it_was(session, monkeypatch):
    form = ActionForm(COURSE, session, "availability")
    first = add(form, "Protect Thursday mornings")
    second = add(form, "Say when I am free")
    plan = ActionPlan(COURSE, session)
    before = session.journal.dumps()

    def refuse(_journal):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(session.store, "save", refuse)
    for change in (
        lambda: plan.move(second, -1),
        lambda: plan.set_done(first, True),
        lambda: plan.delete(first),
        lambda: plan.save_edit(first, what="Protect Friday mornings"),
    ):
        assert change() is False
        assert "could not be written (Permission denied)" in plan.status
        assert "sb-status-problem" in plan.status
        assert [a for a, _ in session.journal.actions()] == [first, second]
        assert [a["id"] for a in plan.actions] == [first, second]
        assert session.journal.actions() == Journal.loads(before).actions()
    assert "still in the form" in plan.status
    assert not any(a["done"] for a in plan.actions)
    assert plan.actions[0]["what"] == "Protect Thursday mornings"


def test_forged_changes_to_the_plan_are_refused_in_plain_words(session, tmp_path):
    form = ActionForm(COURSE, session, "acceptance")
    first = add(form, "Ask how the visit felt, not only what happened")
    second = add(form, "Name a debrief buddy")
    plan = ActionPlan(COURSE, session)
    journal_file = tmp_path / "journal.json"
    before, on_disk = session.journal.dumps(), journal_file.read_bytes()
    good = {
        "what": "Ask how it felt",
        "who": "",
        "by": "",
        "measure": "",
        "domain": "acceptance",
        "stage": "general",
    }
    for content, says in [
        ({"kind": "move", "id": "0000000000", "step": 1}, "no longer in your plan"),
        ({"kind": "move", "id": ["x"], "step": 1}, "no longer in your plan"),
        ({"kind": "done", "id": None, "done": True}, "no longer in your plan"),
        ({"kind": "delete"}, "no longer in your plan"),
        ({"kind": "save", "id": "nope", "values": good}, "no longer in your plan"),
        ({"kind": "move", "id": first, "step": 2}, "one place up or down"),
        ({"kind": "move", "id": second, "step": -2}, "one place up or down"),
        ({"kind": "move", "id": second, "step": True}, "one place up or down"),
        ({"kind": "move", "id": second, "step": -1.0}, "one place up or down"),
        ({"kind": "move", "id": second, "step": "-1"}, "one place up or down"),
        ({"kind": "move", "id": second}, "one place up or down"),
        ({"kind": "done", "id": first, "done": "yes"}, "whether the action is done"),
        ({"kind": "done", "id": first, "done": 1}, "whether the action is done"),
        ({"kind": "done", "id": first}, "whether the action is done"),
        ({"kind": "save", "id": first, "values": {**good, "stage": "someday"}}, "four stages"),
        ({"kind": "save", "id": first, "values": {**good, "domain": "x"}}, "five domains"),
        ({"kind": "save", "id": first, "values": {**good, "who": "x" * 201}}, "200 characters"),
        ({"kind": "save", "id": first, "values": {**good, "what": "x" * 501}}, "500 characters"),
        ({"kind": "save", "id": first, "values": {**good, "what": "  "}}, "Say what you will do"),
        ({"kind": "save", "id": first, "values": {**good, "by": 3}}, "was not text"),
        ({"kind": "save", "id": first, "values": {**good, "done": True}}, "not an action"),
        ({"kind": "save", "id": first, "values": "Ask how it felt"}, "not an action"),
        ({"kind": "save", "id": first}, "not an action"),
        ({"kind": "edit", "key": f"action/{first}", "value": good}, "not one this part"),
        ({"kind": "add", "values": good}, "not one this part"),
        ({"kind": 7}, "not one this part"),
        ({}, "not one this part"),
    ]:
        reply = plan.receive(content)
        assert not reply.saved and reply.problem, content
        assert says in reply.message, (content, reply.message)
        # A full sentence in the learner's words: no ids, keys or code words.
        assert reply.message[0].isupper() and reply.message.endswith("."), reply.message
        for word in (first, "kind", "step", "values", "None", "True", "action/"):
            assert word not in reply.message, (word, reply.message)
    assert session.journal.dumps() == before and journal_file.read_bytes() == on_disk
    assert [a["id"] for a in plan.actions] == [first, second] and plan.focus is None


def test_learner_text_in_the_plan_is_text_only(session):
    form = ActionForm(COURSE, session, "belonging")
    hostile = '<img src=x onerror="alert(1)"> Welcome pack'
    add(form, hostile, who="<b>Sam</b> & co")
    plan = ActionPlan(COURSE, session)
    # The state holds the learner's words as they are, for the browser to set as text...
    (action,) = plan.actions
    assert action["what"] == hostile and action["who"] == "<b>Sam</b> & co"
    assert plan.titles == [f"1. {hostile}"]
    # ...and the browser sets every piece of it with textContent, never as HTML.
    script = plan._esm
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "outerHTML" not in script and "document.write" not in script
    assert 'make("dd", "", action[field.name])' in script
    assert "element.textContent = text" in script
    # The status line is escaped: a message can never carry markup.
    plan.save_edit(action["id"], what="<script>x</script>" * 40)
    assert "<script>" not in plan.status and "longer than 500 characters" in plan.status


def test_the_plan_follows_the_journal_changed_elsewhere(session):
    form = ActionForm(COURSE, session, "sensitivity")
    plan = ActionPlan(COURSE, session)
    assert plan.actions == []
    action_id = add(form, "Check in after hard calls")  # the form tells the session
    assert [a["id"] for a in plan.actions] == [action_id]
    session.journal.update_action(action_id, done=True)
    session.changed()
    assert plan.titles == ["1. Check in after hard calls (done)"]
    assert plan.receive({"kind": "delete", "id": action_id}).saved
    assert plan.actions == []


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
