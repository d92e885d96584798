"""Scenario exercises: the data checks, and the player driven through its state."""

from __future__ import annotations

import re
import shutil
from html import escape
from pathlib import Path

import pytest

import widgets.journal.session as journal_session
from widgets.content import (
    ScenarioError,
    check_scenario,
    exercises_dir,
    load_course,
    load_scenarios,
    parse_scenario,
)
from widgets.journal import FileStore, Session
from widgets.pages.player import ScenarioPlayer
from widgets.reports.runs import ScenarioRun, scenario_status
from widgets.reports.summaries import scenarios_summary_html

from .test_content import SOURCE, fingerprints_module

DATA = Path(__file__).parent / "data" / "scenarios"
PRACTICE = DATA / "practice-story.toml"
COURSE = load_course()


# -- the course's scenarios ------------------------------------------------------------


def test_at_least_twelve_scenarios_and_two_centred_on_each_domain():
    scenarios = load_scenarios()
    assert len(scenarios) >= 12
    for domain in COURSE.domains:
        centred = [s.id for s in scenarios if s.domain == domain.key]
        assert len(centred) >= 2, f"{domain.key}: {centred}"


def test_every_scenario_file_passes_the_checks():
    files = sorted(exercises_dir().glob("*.toml"))
    assert [p.stem for p in files] == [s.id for s in load_scenarios()]
    for path in files:
        check_scenario(parse_scenario(path), COURSE, file_stem=path.stem)


def play(run: ScenarioRun, path: tuple[str, ...]) -> None:
    """Drive a run along a path of node ids by choosing, as a learner would."""
    for here, there in zip(path, path[1:], strict=False):
        index = [c.next for c in run.scenario.get(here).choice].index(there)
        run.choose(index)


@pytest.mark.parametrize("scenario", load_scenarios(), ids=lambda s: s.id)
def test_every_ending_can_be_reached_in_the_player(scenario):
    reached = set()
    for path in scenario.paths():
        run = ScenarioRun(scenario)
        play(run, path)
        assert run.ended and run.node.debrief
        reached.add(run.node.id)
        assert len(run.choices_made()) == len(path) - 1 >= 2
    assert reached == {n.id for n in scenario.endings}


@pytest.mark.parametrize("scenario", load_scenarios(), ids=lambda s: s.id)
def test_scenarios_are_in_the_course_s_own_words(scenario):
    every_print = set().union(*(set(i["fingerprints"]) for i in SOURCE["items"]))
    american = re.compile(r"\b(\w+iz(e|es|ed|ing|ation)|behavior|color|center)\b", re.I)
    for node in scenario.node:
        texts = [node.text, node.debrief or "", node.ending or ""]
        texts += [c.label for c in node.choice]
        for text in texts:
            assert not fingerprints_module.fingerprints(text) & every_print, node.id
            found = [m.group(0) for m in american.finditer(text)]
            assert not [f for f in found if f.lower() not in {"size", "seize"}], found
            assert "TODO" not in text and "lorem" not in text.lower()


# -- the checker refuses broken stories, saying why -------------------------------------


@pytest.fixture
def story(tmp_path):
    target = tmp_path / "practice-story.toml"
    shutil.copy(PRACTICE, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_practice_story_is_valid(story):
    check_scenario(parse_scenario(story), COURSE, file_stem=story.stem)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('next = "posted"', 'next = "nowhere"', "leads to no node 'nowhere'"),
        ('next = "ending-quiet"', 'next = "opening"', "a path never ends"),
        ('start = "opening"', 'start = "posted"', "cannot be reached from the start"),
        ('domains = ["availability"', 'domains = ["availabilty"', "no domain 'availabilty'"),
        ('stages = ["general"', 'stages = ["genral"', "no stage 'genral'"),
        ('"availability.general.3"', '"availability.general.99"', "carried by no prompt"),
        (
            'prompts = ["availability.general.signalling-availability"]',
            'prompts = ["availability.general.not-a-prompt"]',
            "no course prompt",
        ),
        (
            'debrief = "Without a shared habit, it is hard to know who is free."\n',
            "",
            "an ending needs a debrief",
        ),
        ('id = "practice-story"', 'id = "Practice Story"', "not lower-case-with-hyphens"),
        ('title = "A test of the player"', "title = 3", "expected text"),
        ('summary = "', 'blurb = "x"\nsummary = "', "unknown key"),
        (
            '  [[node.choice]]\n  label = "Leave it there for now."\n  next = "ending-quiet"\n',
            "",
            "two to four choices",
        ),
    ],
)
def test_broken_stories_are_refused_with_a_clear_message(story, old, new, message):
    _edit(story, old, new)
    with pytest.raises(ScenarioError, match=re.escape(message)):
        check_scenario(parse_scenario(story), COURSE, file_stem=story.stem)


def test_a_path_with_a_single_decision_is_refused(story):
    # A third choice at the opening that ends the story at once.
    _edit(
        story,
        'next = "posted"\n',
        'next = "posted"\n\n  [[node.choice]]\n'
        '  label = "Leave the chat for today."\n  next = "ending-quiet"\n',
    )
    with pytest.raises(ScenarioError, match="has 1 decision"):
        check_scenario(parse_scenario(story), COURSE, file_stem=story.stem)


def test_a_file_named_unlike_its_scenario_is_refused(story):
    with pytest.raises(ScenarioError, match="the file is named other.toml"):
        check_scenario(parse_scenario(story), COURSE, file_stem="other")


def test_invalid_toml_is_refused(story):
    story.write_text('id = "unterminated', encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        parse_scenario(story)


# -- the player, through its state -------------------------------------------------------


@pytest.fixture
def practice():
    return parse_scenario(PRACTICE)


def reload_session() -> Session:
    journal_session.reset()
    return journal_session.page_session()


def test_the_player_starts_at_the_opening(practice, session):
    player = ScenarioPlayer(practice, COURSE, session)
    assert "It is Monday morning" in player.story_html
    assert player.choice_labels == [
        "Post a short hello in the team chat.",
        "Ring the newest member of the team.",
    ]
    player.restart()
    assert player.run.path == ["opening"]
    assert "at the beginning" in player.status
    player.back()
    assert player.status == (
        '<span class="sb-status-ok" data-sb-announce="polite">'
        "You are at the beginning of this scenario.</span>"
    )
    assert session.journal.scenario("practice-story") is None


def test_choices_back_and_restart_are_recorded_in_the_journal(practice, session, tmp_path):
    player = ScenarioPlayer(practice, COURSE, session)
    player.choose(1)
    assert "glad you called" in player.story_html
    saved, _ = FileStore(tmp_path / "journal.json").load()
    assert saved.scenario("practice-story") == {
        "path": ["opening", "rang"],
        "ending": None,
        "endings": [],
    }
    player.back()
    assert player.run.path == ["opening"]
    player.choose(0)
    player.choose(1)
    assert player.run.ended
    assert "Ending: A quiet week" in player.story_html
    assert "Debrief" in player.story_html and "At stake:" in player.story_html
    saved, _ = FileStore(tmp_path / "journal.json").load()
    assert saved.scenario("practice-story") == {
        "path": ["opening", "posted", "ending-quiet"],
        "ending": "ending-quiet",
        "endings": ["ending-quiet"],
    }
    player.restart()
    assert player.run.path == ["opening"]
    record = FileStore(tmp_path / "journal.json").load()[0].scenario("practice-story")
    assert record == {"path": ["opening"], "ending": None, "endings": ["ending-quiet"]}


def test_the_debrief_links_to_the_prompts_in_their_modules(practice, session):
    player = ScenarioPlayer(practice, COURSE, session)
    player.choose(1)
    player.choose(0)
    html = player.story_html
    for prompt_id in (
        "availability.sustaining.new-starters",
        "sensitivity.fine_tuning.anticipating-firsts",
    ):
        prompt = COURSE.prompt(prompt_id)
        assert prompt.text.replace("’", "&#x27;") in html or prompt.text in html
    assert 'href="01_availability.ipynb" target="_self"' in html
    assert 'href="02_sensitivity.ipynb" target="_self"' in html


def test_a_reload_resumes_where_the_learner_was(practice, session):
    ScenarioPlayer(practice, COURSE, session).choose(1)
    again = ScenarioPlayer(practice, COURSE, reload_session())
    assert again.run.path == ["opening", "rang"]
    assert "glad you called" in again.story_html
    assert "Ring the newest member of the team." in again.story_html  # the choices so far


def test_a_choice_never_offered_is_refused_and_nothing_changes(practice, session):
    player = ScenarioPlayer(practice, COURSE, session)
    for bad in (2, -1, "0", 1.0, True, None):
        player.choose(bad)
        assert player.run.path == ["opening"]
        assert 'data-sb-announce="alert"' in player.status
    assert session.journal.scenario("practice-story") is None


# -- the player is one component: the browser walks the story, Python checks every move ---


def test_the_player_is_one_component_with_the_whole_story_as_data(practice, session):
    from ipywidgets.widgets.widget import _instances

    ScenarioPlayer(practice, COURSE, session)  # the page's one shared layout, made once
    before = set(_instances)
    player = ScenarioPlayer(practice, COURSE, session)
    # One widget model a scenario: the components of a page share one layout.
    assert set(_instances) - before == {player.model_id}
    assert player.layout is ScenarioPlayer(practice, COURSE, session).layout
    state = player.get_state()
    assert state["key"] == "scenario/practice-story" and state["start"] == "opening"
    assert state["title"] == practice.title and state["summary"] == practice.summary
    assert state["record"] == {"path": ["opening"], "ending": None, "endings": []}
    assert state["updated"] == "" and state["progress"] == "Not started"
    nodes = {n["id"]: n for n in state["nodes"]}
    assert set(nodes) == {n.id for n in practice.node}
    assert nodes["opening"]["ending"] is None
    assert nodes["opening"]["choices"] == [
        {"label": "Post a short hello in the team chat.", "next": "posted"},
        {"label": "Ring the newest member of the team.", "next": "rang"},
    ]
    assert "<p>It is Monday morning" in nodes["opening"]["html"]
    assert "What do you do?" in nodes["opening"]["html"]
    quiet = nodes["ending-quiet"]
    assert quiet["ending"] == "A quiet week" and quiet["choices"] == []
    assert "At stake:" in quiet["html"] and "Prompts to take further" in quiet["html"]
    # The step's heading is drawn by the browser (it counts the steps): the story is the same.
    assert player.story_html.endswith(nodes["opening"]["html"])
    assert 'make("button", "sb-choice"' in player._esm and "sbKeep(key" in player._esm


def test_the_state_after_choose_back_and_restart(practice, session):
    player = ScenarioPlayer(practice, COURSE, session)
    moves = []
    player.observe(lambda change: moves.append(change["new"]), names="moves")

    reply = player.choose(1)
    assert reply.saved and reply.message == "Saved" and not reply.problem
    assert reply.extra == {"progress": "In progress"}
    state = player.get_state()
    assert state["record"] == {"path": ["opening", "rang"], "ending": None, "endings": []}
    assert state["updated"] == session.journal.get("scenario/practice-story").updated
    assert state["progress"] == "In progress"
    assert moves == [1]

    reply = player.choose(0)
    assert reply.message == "Saved: you reached an ending"
    assert reply.extra == {"progress": "Done, ending reached: Supported in the moment"}
    assert player.get_state()["record"] == {
        "path": ["opening", "rang", "ending-supported"],
        "ending": "ending-supported",
        "endings": ["ending-supported"],
    }
    assert player.choice_labels == []

    assert player.back().message == "Saved"
    assert player.get_state()["record"] == {
        "path": ["opening", "rang"],
        "ending": None,
        "endings": ["ending-supported"],
    }
    assert player.choice_labels == [
        "Talk the visit through now.",
        "Ask her to post the question in the team chat.",
    ]
    assert player.restart().message == "Saved"
    state = player.get_state()
    assert state["record"] == {"path": ["opening"], "ending": None, "endings": ["ending-supported"]}
    assert state["progress"] == "Done, ending reached: Supported in the moment"
    assert moves == [1, 2, 3, 4]
    # At the beginning, Back and Start again only say so: nothing is sent, nothing moves.
    updated = state["updated"]
    assert player.restart().message == "You are at the beginning of this scenario."
    assert player.back().message == "You are at the beginning of this scenario."
    assert player.get_state()["updated"] == updated and moves == [1, 2, 3, 4]


def test_a_move_from_the_browser_is_saved_with_its_time_and_answered(practice, session):
    player = ScenarioPlayer(practice, COURSE, session)
    sent = []
    player.send = lambda content, buffers=None: sent.append(content)
    record = {"path": ["opening", "posted"], "ending": None, "endings": []}
    stamp = "2026-03-02T09:30:00.123000+00:00"
    message = {"kind": "edit", "key": "scenario/practice-story", "value": record}
    player._message(player, {**message, "updated": stamp, "seq": 7}, [])
    assert sent == [
        {
            "kind": "reply",
            "seq": 7,
            "key": "scenario/practice-story",
            "updated": stamp,
            "saved": True,
            "message": "Saved",
            "problem": False,
            "progress": "In progress",
        }
    ]
    entry = session.journal.get("scenario/practice-story")
    assert entry.value == record and entry.updated == stamp
    assert player.get_state()["updated"] == stamp and player.run.path == ["opening", "posted"]


def _forged(record_path, ending=None, endings=()):
    return {"path": list(record_path), "ending": ending, "endings": list(endings)}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        # A step that is not a choice of the step before it.
        (
            None,
            _forged(["opening", "ending-supported"], "ending-supported", ["ending-supported"]),
            "That path cannot be taken through this scenario by its choices, so nothing was saved.",
        ),
        (None, _forged(["opening", "posted", "rang"]), "cannot be taken"),
        (None, _forged(["posted"]), "cannot be taken"),
        (None, _forged(["opening", "nowhere"]), "cannot be taken"),
        (None, _forged(["opening", ["posted"]]), "cannot be taken"),
        # Endings that the scenario does not have, or that do not fit where the learner is.
        (
            None,
            _forged(["opening"], endings=["ending-nowhere"]),
            "The endings that arrived do not fit this scenario, so nothing was saved.",
        ),
        (None, _forged(["opening"], endings=["opening"]), "do not fit this scenario"),
        (None, _forged(["opening"], endings=["ending-quiet", "ending-quiet"]), "do not fit"),
        (None, _forged(["opening", "posted", "ending-quiet"], "ending-quiet"), "do not fit"),
        (None, _forged(["opening"], "ending-quiet", ["ending-quiet"]), "cannot be taken"),
        (
            None,
            _forged(["opening", "posted", "ending-quiet"], None, ["ending-quiet"]),
            "cannot be taken",
        ),
        # Not a record at all.
        (None, "opening", "What arrived was not a place in this scenario, so nothing was saved."),
        (None, ["opening"], "not a place in this scenario"),
        (None, None, "not a place in this scenario"),
        (None, {"path": ["opening"], "ending": None}, "not a place in this scenario"),
        (None, {**_forged(["opening"]), "extra": 1}, "not a place in this scenario"),
        (None, _forged([]), "not a place in this scenario"),
        (None, {"path": "opening", "ending": None, "endings": []}, "not a place"),
        (None, _forged(["opening"] + ["posted"] * 80), "not a place"),
        (None, {"path": ["opening"], "ending": None, "endings": "ending-quiet"}, "do not fit"),
        # Another scenario's key, or none.
        (
            "scenario/another-story",
            _forged(["opening", "posted"]),
            "That change is for another scenario, not this one, so nothing was saved.",
        ),
        ("reflection/availability.general.signalling-availability", "text", "another scenario"),
        (7, _forged(["opening", "posted"]), "another scenario"),
    ],
)
def test_a_forged_record_is_refused_with_a_message_and_the_journal_unchanged(
    practice, session, tmp_path, key, value, message
):
    player = ScenarioPlayer(practice, COURSE, session)
    player.choose(0)
    journal = session.journal.to_dict()
    state = player.get_state()
    on_disk = (tmp_path / "journal.json").read_bytes()
    reply = player.receive(
        {"kind": "edit", "key": key or "scenario/practice-story", "value": value}
    )
    assert not reply.saved and reply.problem
    assert message in reply.message
    assert re.fullmatch(r"[A-Z][a-z ,]+\.", reply.message), reply.message  # plain words
    assert session.journal.to_dict() == journal
    assert (tmp_path / "journal.json").read_bytes() == on_disk
    assert player.get_state() == state and player.moves == 1
    assert session.journal.scenario("another-story") is None


def test_a_change_of_kind_the_player_never_sends_is_refused(practice, session):
    player = ScenarioPlayer(practice, COURSE, session)
    reply = player.receive({"kind": "choose", "index": 0})
    assert not reply.saved and reply.problem
    assert session.journal.scenario("practice-story") is None


def test_a_journal_changed_from_outside_is_pushed_into_the_state(practice, session):
    player = ScenarioPlayer(practice, COURSE, session)
    moves = []
    player.observe(lambda change: moves.append(change["new"]), names="moves")
    run = ScenarioRun(practice)
    play(run, ("opening", "posted", "ending-routine"))
    session.journal.set_scenario("practice-story", run.record())
    session.changed()
    state = player.get_state()
    assert state["record"] == run.record()
    assert state["updated"] == session.journal.get("scenario/practice-story").updated
    assert state["progress"] == "Done, ending reached: A morning routine"
    assert moves == [1]
    assert "Ending: A morning routine" in player.story_html
    session.changed()  # nothing new: no move
    assert moves == [1]


def test_a_saved_path_that_no_longer_fits_the_story_is_cut_where_it_stops_fitting(practice):
    run = ScenarioRun(
        practice,
        {
            "path": ["opening", "rang", "ending-nowhere"],
            "ending": None,
            "endings": ["gone", "ending-quiet"],
        },
    )
    assert run.path == ["opening", "rang"]
    assert run.endings == ["ending-quiet"]


def test_status_for_lists(practice):
    assert scenario_status(practice, None) == "Not started"
    run = ScenarioRun(practice)
    run.choose(0)
    assert scenario_status(practice, run.record()) == "In progress"
    run.choose(0)
    run.restart()
    run.choose(1)
    run.choose(0)
    assert scenario_status(practice, run.record()) == (
        "Done, endings reached: A morning routine; Supported in the moment"
    )


def test_the_closing_summary_lists_scenarios_played(session):
    scenario = load_scenarios()[0]
    run = ScenarioRun(scenario)
    play(run, scenario.paths()[0])
    session.journal.set_scenario(scenario.id, run.record())
    html = scenarios_summary_html(session.journal)
    assert scenario.title.replace("’", "’") in html or escape(scenario.title) in html
    assert escape(run.node.ending) in html


def test_a_module_reads_only_its_own_scenarios_and_misses_none(monkeypatch, tmp_path):
    import widgets.content.scenarios as scenarios_module

    everything = load_scenarios()
    for domain in (d.key for d in COURSE.domains):
        scenarios_module.scenarios_for.cache_clear()
        load_scenarios.cache_clear()
        mine = scenarios_module.scenarios_for(domain)
        assert load_scenarios.cache_info().currsize == 0  # the whole set was never built
        assert mine == tuple(s for s in everything if s.domain == domain) and mine
    # A file that does not say plainly which domain it is for is still checked, and refused.
    folder = tmp_path / "exercises"
    shutil.copytree(exercises_dir(), folder)
    broken = folder / "zz-broken.toml"
    broken.write_text('id = "zz-broken"\ndomains = "availability"\n', encoding="utf-8")
    monkeypatch.setattr(scenarios_module, "exercises_dir", lambda: folder)
    scenarios_module.scenarios_for.cache_clear()
    load_scenarios.cache_clear()
    with pytest.raises(ScenarioError, match="zz-broken.toml"):
        scenarios_module.scenarios_for("sensitivity")
    scenarios_module.scenarios_for.cache_clear()
    load_scenarios.cache_clear()
