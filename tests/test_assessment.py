"""The self-assessment, tested through its state: ratings saved, values never offered refused,
and the reading worked out from a known set of answers."""

from __future__ import annotations

from html import escape

import pytest

from widgets.content import load_course
from widgets.journal import FileStore, Session
from widgets.pages.assessment import SelfAssessment
from widgets.reports.reading import reading_html

COURSE = load_course()


def test_every_domain_has_statements_in_every_stage_tied_to_its_prompts():
    assert len(COURSE.statements) == 60
    for domain in COURSE.domains:
        for stage in COURSE.stages:
            statements = COURSE.statements_for(domain.key, stage.key)
            assert len(statements) == 3
            for statement in statements:
                for prompt_id in statement.prompts:
                    assert COURSE.prompt(prompt_id).stage == stage.key


def test_the_scale_is_reflective_with_a_way_out():
    assert [lv.label for lv in COURSE.scale] == [
        "Not yet",
        "Beginning",
        "Partly in place",
        "Mostly in place",
        "Well established",
        "Not sure or not applicable",
    ]
    assert [lv.score for lv in COURSE.scale] == [0, 1, 2, 3, 4, None]


def test_each_rating_is_a_labelled_choice_from_the_scale(session):
    assessment = SelfAssessment("availability", COURSE, session)
    first = COURSE.statements_for("availability")[0]
    state = assessment.get_state()
    assert [g["title"] for g in state["groups"]] == [s.title for s in COURSE.stages]
    assert state["groups"][0]["statements"][0] == {"id": first.id, "text": first.text}
    assert [lv["label"] for lv in state["levels"]] == [lv.label for lv in COURSE.scale]
    assert assessment.ratings[first.id] is None
    # A named radio group per statement, drawn in the browser: one component, not a widget each.
    assert 'input.type = "radio"' in assessment._esm and "fieldset" in assessment._esm


def test_a_rating_is_saved_with_its_time_under_the_current_attempt(session, tmp_path):
    assessment = SelfAssessment("sensitivity", COURSE, session)
    statement = COURSE.statements_for("sensitivity", "fine_tuning")[1]
    assessment.rate(statement.id, "mostly")
    saved, _ = FileStore(tmp_path / "journal.json").load()
    assert saved.attempts()[0][0] == "1"
    assert saved.ratings("1") == {statement.id: "mostly"}
    assert saved.get(f"rating/1/{statement.id}").updated
    assert "Saved. 1 of 12 answered." in assessment.status
    again = SelfAssessment("sensitivity", COURSE, Session(FileStore(tmp_path / "journal.json")))
    assert again.ratings[statement.id] == "mostly"


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ({"kind": "edit", "key": "rating/1/{first}", "value": "brilliant"}, "not one of the scale"),
        ({"kind": "edit", "key": "rating/1/{first}", "value": ["mostly"]}, "not one of the scale"),
        ({"kind": "edit", "key": "rating/1/no-such-statement", "value": "mostly"}, "not part"),
        ({"kind": "edit", "key": "rating/7/{first}", "value": "mostly"}, "not for this"),
        ({"kind": "edit", "key": "reflection/{first}", "value": "mostly"}, "not for this"),
        ({"kind": "edit", "key": 5, "value": "mostly"}, "not for this"),
        ({"kind": "delete", "key": "rating/1/{first}"}, "not one this part of the page makes"),
    ],
)
def test_a_value_never_offered_is_refused_and_nothing_is_saved(session, tmp_path, message, says):
    assessment = SelfAssessment("acceptance", COURSE, session)
    first = next(iter(assessment.ratings))
    forged = {k: v.format(first=first) if isinstance(v, str) else v for k, v in message.items()}
    reply = assessment.receive(forged)
    assert not reply.saved and reply.problem and says in reply.message
    assert reply.message.endswith(".")
    assert assessment.ratings[first] is None
    assert not (tmp_path / "journal.json").exists()


def test_the_reading_comes_once_every_statement_is_answered(session):
    assessment = SelfAssessment("cooperation", COURSE, session)
    ratings = list(assessment.ratings)
    for statement_id in ratings[:-1]:
        assessment.rate(statement_id, "partly")
        assert assessment.reading == ""
    assessment.rate(ratings[-1], "established")
    assert "Your reading" in assessment.reading


def test_the_reading_from_a_known_set_of_answers():
    statements = COURSE.statements_for("belonging")
    levels = {
        "general": "mostly",
        "fine_tuning": "established",
        "sustaining": "partly",
        "practical": "beginning",
    }
    answers = {s.id: levels[s.stage] for s in statements}
    # One practical statement is not known: it does not count towards any stage.
    practical = [s for s in statements if s.stage == "practical"]
    answers[practical[0].id] = "unsure"
    html = reading_html("belonging", answers, COURSE)
    assert "Your strongest stage here is <strong>fine tuning</strong>" in html
    # The prompts worth time next come from the lowest-rated statements (practical, "beginning").
    lowest = [p for s in practical[1:] for p in s.prompts]
    for prompt_id in dict.fromkeys(lowest):
        assert escape(COURSE.prompt(prompt_id).text) in html
    assert html.count("<li>") <= 3


def test_all_unsure_gets_its_own_reading():
    answers = {s.id: "unsure" for s in COURSE.statements_for("availability")}
    assert "not sure or not applicable" in reading_html("availability", answers, COURSE)


def test_ratings_arriving_from_outside_the_page_are_shown(session):
    assessment = SelfAssessment("availability", COURSE, session)
    statement = COURSE.statements_for("availability", "practical")[0]
    attempt = session.journal.current_attempt()
    session.journal.set_rating(attempt, statement.id, "beginning")
    session.changed()
    assert assessment.ratings[statement.id] == "beginning"


def test_a_rating_that_cannot_be_saved_tells_the_learner(session, monkeypatch):
    assessment = SelfAssessment("acceptance", COURSE, session)
    statement = COURSE.statements_for("acceptance", "general")[0]

    def broken_save(journal):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(session.store, "save", broken_save)
    reply = assessment.rate(statement.id, "partly")
    assert "Your answer could not be saved" in assessment.status
    assert "Permission denied" in assessment.status
    assert 'data-sb-announce="alert"' in assessment.status
    # The browser keeps the choice (unsaved) for the learner to try again.
    assert not reply.saved
