"""The self-assessment, tested through its state: ratings saved, values never offered refused,
and the reading worked out from a known set of answers."""

from __future__ import annotations

from html import escape

import pytest
from traitlets import TraitError

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
    radio = assessment.ratings[first.id].radio
    state = radio.get_state()
    assert state["description"] == first.text
    assert state["_options_labels"] == tuple(lv.label for lv in COURSE.scale)
    assert radio.value is None


def test_a_rating_is_saved_with_its_time_under_the_current_attempt(session, tmp_path):
    assessment = SelfAssessment("sensitivity", COURSE, session)
    statement = COURSE.statements_for("sensitivity", "fine_tuning")[1]
    assessment.ratings[statement.id].radio.value = "mostly"
    saved, _ = FileStore(tmp_path / "journal.json").load()
    assert saved.attempts()[0][0] == "1"
    assert saved.ratings("1") == {statement.id: "mostly"}
    assert saved.get(f"rating/1/{statement.id}").updated
    assert "Saved. 1 of 12 answered." in assessment.status.value
    again = SelfAssessment("sensitivity", COURSE, Session(FileStore(tmp_path / "journal.json")))
    assert again.ratings[statement.id].value == "mostly"


def test_a_value_never_offered_is_refused_and_nothing_is_saved(session, tmp_path):
    assessment = SelfAssessment("acceptance", COURSE, session)
    radio = next(iter(assessment.ratings.values())).radio
    with pytest.raises(TraitError):
        radio.value = "brilliant"
    with pytest.raises(TraitError):
        radio.index = 17
    with pytest.raises(TraitError):
        radio.set_state({"index": 99})
    assert radio.value is None
    assert not (tmp_path / "journal.json").exists()


def test_the_reading_comes_once_every_statement_is_answered(session):
    assessment = SelfAssessment("cooperation", COURSE, session)
    ratings = list(assessment.ratings.values())
    for rating in ratings[:-1]:
        rating.radio.value = "partly"
        assert assessment.reading.value == ""
    ratings[-1].radio.value = "established"
    assert "Your reading" in assessment.reading.value


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
    assert assessment.ratings[statement.id].value == "beginning"


def test_a_rating_that_cannot_be_saved_tells_the_learner(session, monkeypatch):
    assessment = SelfAssessment("acceptance", COURSE, session)
    statement = COURSE.statements_for("acceptance", "general")[0]

    def broken_save(journal):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(session.store, "save", broken_save)
    assessment.ratings[statement.id].radio.value = "partly"
    assert "Your answer could not be saved" in assessment.status.value
    assert "Permission denied" in assessment.status.value
    assert 'data-sb-announce="alert"' in assessment.status.value
    # The choice stays on the screen for the learner to try again.
    assert assessment.ratings[statement.id].radio.value == "partly"
