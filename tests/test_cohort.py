"""The cohort store, the learner's share panel and the trainer's dashboard, without a browser."""

from __future__ import annotations

import json
import multiprocessing
import re
import sqlite3

import pytest

from widgets.content import load_course, load_scenarios
from widgets.workshop.cohort import (
    MAX_NOTE_CHARS,
    CohortError,
    CohortStore,
    device_hash,
    new_device,
    normalise_code,
    read_share_file,
    share_file,
)
from widgets.workshop.dashboard import Dashboard, summary_export
from widgets.workshop.share import SharePanel, shareable

COURSE = load_course()
SCENARIOS = load_scenarios()
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>&amp;'
A = ("availability", "general")
B = ("cooperation", "practical")


@pytest.fixture
def store(tmp_path):
    s = CohortStore(tmp_path / "cohorts.sqlite", COURSE)
    yield s
    s.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    """The store on each kind of database the course supports, from a fresh, empty database."""
    if request.param == "sqlite":
        s = CohortStore(tmp_path / "cohorts.sqlite", COURSE)
    else:
        import sqlalchemy as sa

        url = request.getfixturevalue("postgres_url")
        name = f"cohort_{tmp_path.name.lower().replace('-', '_')[:40]}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as db:
            db.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        s = CohortStore(url.rsplit("/", 1)[0] + f"/{name}", COURSE)
    yield s
    s.close()


@pytest.fixture
def code(store):
    return store.create_cohort("Autumn leaders").code


def test_codes_are_read_however_they_are_typed_and_anything_else_is_refused():
    assert normalise_code(" k7m 4qx ") == "K7M-4QX"
    assert normalise_code("K7M-4QX") == "K7M-4QX"
    for bad in ("K7M-4Q", "K7M-4Q0", "OIL-111", "", "x" * 500, 7, None):
        with pytest.raises(CohortError, match="cohort code"):
            normalise_code(bad)


def test_sharing_updating_and_withdrawing_are_counted_exactly(any_store):
    store, code = any_store, any_store.create_cohort("Autumn leaders").code
    one, two = new_device(), new_device()
    store.share(code, one, {A: 1, B: 4})
    store.share(code, two, {A: 3})
    store.share(code, one, {A: 2})  # an update replaces, never adds
    assert store.shared(code, one) == {A: 2}
    summary = store.summary(code, min_answers=3)
    assert summary.participants == 2
    assert summary.cells[A] is None  # two answers: below the minimum
    assert store.withdraw(code, two) is True
    assert store.withdraw(code, two) is False
    assert store.summary(code, 3).participants == 1


def test_a_cell_appears_only_once_it_has_the_minimum_number_of_answers(any_store):
    store, code = any_store, any_store.create_cohort("Autumn leaders").code
    for level in (0, 1, 1, 3):
        store.share(code, new_device(), {A: level, B: 2})
    assert store.summary(code).cells[A] is None  # 4 answers, default minimum 5
    store.share(code, new_device(), {A: 4})
    cell = store.summary(code).cells[A]
    assert cell.counts == (1, 2, 0, 1, 1) and cell.answers == 5 and cell.mean == pytest.approx(1.8)
    assert store.summary(code).cells[B] is None  # still four
    assert [c.domain for c in store.summary(code).lowest()] == ["availability"]
    with pytest.raises(CohortError, match="at least 3"):
        store.summary(code, min_answers=2)


@pytest.mark.parametrize(
    "ratings",
    [
        {("availability", "nowhere"): 1},
        {("nowhere", "general"): 1},
        {A: 5},
        {A: -1},
        {A: True},
        {A: "3"},
        {A: 2.5},
        {},
        {"availability/general": 1},
    ],
)
def test_ratings_a_browser_could_send_but_the_course_never_offers_are_refused(store, code, ratings):
    with pytest.raises(CohortError):
        store.share(code, new_device(), ratings)
    assert store.summary(code, 3).participants == 0


def test_the_store_keeps_no_device_id_and_cannot_join_notes_to_ratings(store, code, tmp_path):
    device = new_device()
    store.share(code, device, {A: 2})
    store.post_note(code, device, "We never debrief after court.")
    raw = (tmp_path / "cohorts.sqlite").read_bytes()
    with sqlite3.connect(tmp_path / "cohorts.sqlite") as db:
        shares = {r[0] for r in db.execute("select device from shares")}
        notes = {r[0] for r in db.execute("select device from notes")}
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    assert device.encode() not in raw
    assert shares == {device_hash(device)} and notes == {device_hash(device, "notes")}
    assert shares.isdisjoint(notes)
    assert tables == {"cohorts", "shares", "notes"}
    # Withdrawing takes the notes too.
    store.withdraw(code, device)
    assert store.summary(code, 3).notes == ()


def test_notes_are_limited_kept_as_written_and_hidden_on_request(any_store):
    store, code = any_store, any_store.create_cohort("Autumn leaders").code
    device = new_device()
    with pytest.raises(CohortError, match=f"up to {MAX_NOTE_CHARS}"):
        store.post_note(code, device, "x" * (MAX_NOTE_CHARS + 1))
    with pytest.raises(CohortError, match="empty"):
        store.post_note(code, device, "   ")
    note = store.post_note(code, device, HOSTILE)
    assert store.summary(code, 3).notes[0].text == HOSTILE
    store.set_note_hidden(code, note, True)
    assert store.summary(code, 3).notes[0].hidden is True
    store.set_note_hidden(code, note, False)
    assert store.summary(code, 3).notes[0].hidden is False


def test_deleting_a_cohort_removes_everything_in_it_and_nothing_else(any_store):
    store, code = any_store, any_store.create_cohort("Autumn leaders").code
    other = store.create_cohort("Team pulse").code
    for c in (code, other):
        device = new_device()
        store.share(c, device, {A: 1})
        store.post_note(c, device, "A note")
    store.delete_cohort(code)
    assert store.cohort(code) is None
    assert [c.code for c in store.cohorts()] == [other]
    with pytest.raises(CohortError, match="no cohort"):
        store.share(code, new_device(), {A: 1})
    assert store.summary(other, 3).participants == 1 and len(store.summary(other, 3).notes) == 1
    assert store.integrity() == []


def _learner(where: str, code: str, number: int, results) -> None:
    """One learner's process: share, change their mind, share again, perhaps withdraw."""
    store = CohortStore(where, COURSE)
    device = new_device()
    store.share(code, device, {A: number % 5, B: 0})
    store.post_note(code, device, f"Note from learner {number}")
    store.share(code, device, {A: (number + 1) % 5, B: 4})
    if number % 3 == 0:
        store.withdraw(code, device)
    store.close()
    results.put(number)


def test_thirty_learners_sharing_and_updating_at_once_are_counted_exactly(any_store, tmp_path):
    store, code = any_store, any_store.create_cohort("Autumn leaders").code
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    learners = [
        context.Process(target=_learner, args=(store.url, code, n, results)) for n in range(30)
    ]
    for process in learners:
        process.start()
    for process in learners:
        process.join(120)
    assert [p.exitcode for p in learners] == [0] * 30
    assert sorted(results.get(timeout=5) for _ in range(30)) == list(range(30))

    stayed = [n for n in range(30) if n % 3]
    summary = store.summary(code)
    assert summary.participants == len(stayed) == 20
    expected = [0] * 5
    for n in stayed:
        expected[(n + 1) % 5] += 1
    assert summary.cells[A].counts == tuple(expected)
    assert summary.cells[B].counts == (0, 0, 0, 0, 20)
    assert sorted(n.text for n in summary.notes) == sorted(f"Note from learner {n}" for n in stayed)
    assert store.integrity() == []


def test_a_share_file_holds_ratings_and_a_hashed_id_only_and_reads_back():
    device = new_device()
    text = share_file(COURSE, device, {A: 3, B: 0})
    record = json.loads(text)
    assert set(record) == {"format", "version", "course", "device", "created", "ratings"}
    assert device not in text and record["device"] == device_hash(device)
    assert read_share_file(text.encode(), COURSE) == (device_hash(device), {A: 3, B: 0})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not json", "could not be read"),
        (b"[]", "not a share file"),
        (b'{"format": "secure-base-journal"}', "not a share file"),
        (b'{"format": "secure-base-share", "version": 9}', "another version"),
        (b" " * 20000, "too large"),
    ],
)
def test_a_file_that_is_not_a_share_file_is_refused_with_a_reason(content, message):
    with pytest.raises(CohortError, match=message):
        read_share_file(content, COURSE)


# -- the learner's share panel ---------------------------------------------------------------
def _rate(session, domain: str, stage: str, level: str) -> None:
    journal = session.journal
    attempt = journal.current_attempt()
    for statement in COURSE.statements_for(domain, stage):
        journal.set_rating(attempt, statement.id, level)


def test_the_panel_shows_exactly_what_would_be_shared(session, store):
    _rate(session, "availability", "general", "partly")
    _rate(session, "cooperation", "practical", "unsure")  # "not sure" is never shared
    panel = SharePanel(COURSE, session, store=store)
    assert shareable(session.journal, COURSE) == {A: 2}
    assert "1 rating, and nothing else" in panel.preview.value
    assert "Availability, general considerations" in panel.preview.value
    assert "Cooperation" not in panel.preview.value


def test_a_learner_joins_shares_updates_and_withdraws(session, store, code):
    panel = SharePanel(COURSE, session, store=store)
    assert panel.join("not a code") is False
    assert "That is not a cohort code" in panel.status.value
    assert panel.join("ABC-DEF") is False and "no cohort ABC-DEF" in panel.status.value
    assert not [k for k in session.journal if k.startswith("workshop/")]

    assert panel.share() is False and "Join your workshop" in panel.status.value
    assert panel.join(code.lower()) is True
    device = session.journal.workshop_device(code)
    assert device and "Nothing has been shared yet" in panel.status.value
    assert panel.share() is False and "nothing to share" in panel.status.value

    _rate(session, "availability", "general", "mostly")
    session.changed()
    assert panel.share() is True and "Shared: 1 rating" in panel.status.value
    assert store.shared(code, device) == {A: 3}
    assert panel.share_button.description == "Update what I shared"

    _rate(session, "availability", "general", "beginning")
    session.changed()
    assert "differ from those above" in panel.joined.value
    assert panel.share() is True and "Updated" in panel.status.value
    assert store.shared(code, device) == {A: 1}

    panel.note.value = HOSTILE
    assert panel.post_note() is True and panel.note.value == ""
    assert "posted 1 note" in panel.joined.value
    assert panel.withdraw() is True
    assert store.shared(code, device) == {} and store.summary(code, 3).notes == ()


def test_a_new_page_carries_on_with_the_cohort_the_journal_joined(session, store, code):
    SharePanel(COURSE, session, store=store).join(code)
    again = SharePanel(COURSE, session, store=store)
    assert again.code == code and "You have joined" in again.joined.value


def test_without_a_workshop_the_page_says_so_and_still_offers_the_share_file(session):
    panel = SharePanel(COURSE, session, environ={})
    assert panel.store is None and "not running as a workshop" in panel.live.children[0].value
    assert panel.prepare_file() == "" and "nothing to share" in panel.file_result.value
    _rate(session, "sensitivity", "fine_tuning", "established")
    text = panel.prepare_file()
    assert json.loads(text)["ratings"] == {"sensitivity/fine_tuning": 4}
    assert 'download="secure-base-share-' in panel.file_result.value
    # The same learner's next file carries the same id, so it replaces the first.
    assert json.loads(panel.prepare_file())["device"] == json.loads(text)["device"]


def test_a_workshop_store_that_cannot_be_opened_is_said_plainly(session, tmp_path):
    (tmp_path / "a-folder").mkdir()
    environ = {"SECURE_BASE_COHORT_DB": str(tmp_path / "a-folder")}  # a folder, not a database
    panel = SharePanel(COURSE, session, environ=environ)
    assert panel.store is None and panel.unreachable
    assert "could not be reached just now" in panel.live.children[0].value
    assert panel.join("K7M-4QX") is False


# -- the trainer's dashboard ---------------------------------------------------------------
def test_the_dashboard_shows_the_room_and_never_a_cell_below_the_minimum(store, code):
    for level in (0, 1, 1, 2, 4):
        store.share(code, new_device(), {A: level, B: 3})
    store.share(code, new_device(), {B: 3})
    store.post_note(code, new_device(), HOSTILE)
    board = Dashboard(COURSE, store, code, SCENARIOS, min_answers=6)
    assert "6 people have shared" in board.heading.value and code in board.heading.value
    grid = board.grid.value
    assert grid.count("Not shown: fewer than 6 answers") == 19
    assert "6 answers, average 3.0 of 4" in grid
    assert "Not yet 0, Beginning 0, Partly 0, Mostly 6, Well established 0" in grid
    # The lowest shown cell, with prompts from the course and a scenario that fits it.
    assert "Cooperation, practical considerations" in board.focus.value
    note = board.notes.children[0].children[0].value
    assert "<img" not in note and "&lt;img src=x" in note and "<script" not in note


def test_the_dashboard_redraws_only_when_something_changed(store, code):
    board = Dashboard(COURSE, store, code, SCENARIOS)
    assert board.refresh() is False
    store.share(code, new_device(), {A: 1})
    assert board.refresh() is True
    assert "1 person has shared" in board.heading.value


def test_hiding_a_note_takes_its_text_off_the_screen_and_out_of_the_summary(store, code):
    store.post_note(code, new_device(), "Keep this one")
    store.post_note(code, new_device(), "Hide this one")
    board = Dashboard(COURSE, store, code, SCENARIOS)
    hide = board.notes.children[1].children[1]
    assert hide.description == "Hide note 2"
    hide.click()
    texts = [row.children[0].value for row in board.notes.children]
    assert "Hide this one" not in "".join(texts) and "Note 2 is hidden" in texts[1]
    html = board.export()
    assert "Keep this one" in html and "Hide this one" not in html
    board.notes.children[1].children[1].click()  # "Show note 2"
    assert "Hide this one" in board.notes.children[1].children[0].value


def test_share_files_are_added_replaced_and_bad_ones_named(store, code):
    board = Dashboard(COURSE, store, code, SCENARIOS, min_answers=3)
    device = new_device()
    files = [
        {"name": "jo.json", "content": share_file(COURSE, device, {A: 1}).encode()},
        {"name": "sam.json", "content": share_file(COURSE, new_device(), {A: 2}).encode()},
        {"name": "journal.json", "content": b'{"format": "secure-base-journal"}'},
        {"name": "huge.json", "content": b"{" * 100_000},
    ]
    new, updated, refused = board.add_share_files(files)
    assert (new, updated) == (2, 0)
    assert [r.split(":")[0] for r in refused] == ["journal.json", "huge.json"]
    assert "Not added: journal.json" in board.status.value
    # A newer file from the same learner replaces their first.
    again = [{"name": "jo.json", "content": share_file(COURSE, device, {A: 4}).encode()}]
    assert board.add_share_files(again)[:2] == (0, 1)
    assert store.summary(code, 3).participants == 2


def test_the_summary_export_is_one_self_contained_escaped_page(store, code):
    for level in (0, 1, 2, 3, 4):
        store.share(code, new_device(), {A: level})
    store.post_note(code, new_device(), HOSTILE)
    html = summary_export(store.summary(code), COURSE, SCENARIOS)
    assert html.startswith("<!DOCTYPE html>") and 'lang="en-GB"' in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html and "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html.replace('href="https', ""))
    assert "5 answers, average 2.0 of 4" in html and "Autumn leaders" in html
    assert "Biggart" in html and "University of East Anglia" in html


def test_deleting_the_cohort_needs_its_code_typed(store, code):
    store.share(code, new_device(), {A: 1})
    board = Dashboard(COURSE, store, code, SCENARIOS)
    assert board.delete("ABC-DEF") is False and store.cohort(code) is not None
    assert "Nothing was deleted" in board.delete_result.value
    assert board.delete(code.lower()) is True
    assert store.cohort(code) is None and board.refresh(force=True) is False


def test_the_dashboard_notebook_shows_nothing_outside_the_trainer_server():
    from widgets.workshop.dashboard import trainer_dashboard

    refused = trainer_dashboard({"SECURE_BASE_ROLE": "learner", "SECURE_BASE_COHORT_DB": "x"})
    assert "opens only from the trainer’s link" in refused.value


NESTED = b"[" * 5000 + b"]" * 5000  # 10 KB: under the size limit, far too deep to decode


def test_a_deeply_nested_share_file_is_refused_with_a_reason():
    assert len(NESTED) < 16 * 1024
    with pytest.raises(CohortError, match="nested far too deeply"):
        read_share_file(NESTED, COURSE)


def test_a_nested_file_alone_gets_its_own_message(store, code):
    board = Dashboard(COURSE, store, code, SCENARIOS, min_answers=3)
    board.status.value = "an earlier message"
    new, updated, refused = board.add_share_files([{"name": "deep.json", "content": NESTED}])
    assert (new, updated) == (0, 0)
    assert refused == [
        "deep.json: This is not a share file: its contents are nested far too deeply"
    ]
    assert "0 of 1 file added" in board.status.value
    assert "Not added: deep.json" in board.status.value
    assert "an earlier message" not in board.status.value


def test_one_bad_file_in_a_batch_never_stops_the_others(store, code, monkeypatch):
    board = Dashboard(COURSE, store, code, SCENARIOS, min_answers=3)
    files = [
        {"name": "first.json", "content": share_file(COURSE, new_device(), {A: 1}).encode()},
        {"name": "deep.json", "content": NESTED},
        {"name": "third.json", "content": share_file(COURSE, new_device(), {A: 3}).encode()},
    ]
    new, updated, refused = board.add_share_files(files)
    assert (new, updated) == (2, 0)
    assert [r.split(":")[0] for r in refused] == ["deep.json"]
    assert "2 of 3 files added (2 new, 0 updated)" in board.status.value
    assert "Not added: deep.json" in board.status.value
    assert store.summary(code, 3).participants == 2

    # A store that fails in an unforeseen way on one file: named, and the rest still go in.
    real = store.import_share_file

    def fragile(cohort, data):
        if data == b"boom":
            raise RuntimeError("/srv/secret/path exploded")
        return real(cohort, data)

    monkeypatch.setattr(store, "import_share_file", fragile)
    files = [
        {"name": "boom.json", "content": b"boom"},
        {"name": "broken", "content": None},
        {"name": "", "content": share_file(COURSE, new_device(), {A: 2}).encode()},
        {"name": "", "content": NESTED},
    ]
    new, updated, refused = board.add_share_files(files)
    assert (new, updated) == (1, 0)
    assert refused == [
        "boom.json: it could not be read as a share file",
        "broken: it could not be read as a share file",
        "file 4: This is not a share file: its contents are nested far too deeply",
    ]
    assert "/srv/secret" not in board.status.value
