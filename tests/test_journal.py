"""The journal: round trips, merging, atomic saving, and files it must refuse."""

import json
import multiprocessing
import os

import pytest

from widgets.journal import (
    MAX_TEXT_CHARS,
    SCHEMA_VERSION,
    FileStore,
    Journal,
    JournalError,
    default_journal_path,
)

T = "2026-01-01T00:00:00+00:00"
HEAD = '{"format": "secure-base-journal", "version": 2, "created": "' + T + '", '


def saved(path, *versions):
    """A file store whose journal was saved once for each version of one reflection, in turn."""
    store = FileStore(path)
    journal, _ = store.load()
    for text in versions:
        journal.set_reflection("a.b.c", text)
        store.save(journal)
    return store, journal


def test_round_trip_through_json():
    journal = Journal()
    journal.set_reflection("availability.general.signal", "We post in the team chat.")
    journal.set_reflection("sensitivity.general.notice", "Ünïcödé and <b>tags</b> & “quotes”")
    again = Journal.loads(journal.dumps())
    assert again == journal
    assert again.reflection("sensitivity.general.notice") == "Ünïcödé and <b>tags</b> & “quotes”"
    assert again.to_dict()["version"] == SCHEMA_VERSION


def test_round_trip_through_the_file_store(tmp_path):
    store = FileStore(tmp_path / "j" / "journal.json")
    journal, warning = store.load()
    assert warning is None and len(journal) == 0
    journal.set_reflection("availability.general.signal", "First thoughts")
    store.save(journal)
    reloaded, warning = FileStore(tmp_path / "j" / "journal.json").load()
    assert warning is None
    assert reloaded.reflection("availability.general.signal") == "First thoughts"


def test_an_unchanged_value_is_not_a_change():
    journal = Journal()
    assert journal.set_reflection("a.b.c", "text") is True
    stamp = journal.get("reflection/a.b.c").updated
    assert journal.set_reflection("a.b.c", "text") is False
    assert journal.get("reflection/a.b.c").updated == stamp


def test_merge_keeps_the_newer_entry_for_each_key():
    ours, theirs = Journal(), Journal()
    ours.set("reflection/a.b.one", "ours, old", when="2026-01-01T10:00:00.000000+00:00")
    theirs.set("reflection/a.b.one", "theirs, new", when="2026-01-02T10:00:00.000000+00:00")
    theirs.set("reflection/a.b.two", "only theirs", when="2026-01-01T09:00:00.000000+00:00")
    ours.set("reflection/a.b.three", "only ours", when="2026-01-03T09:00:00.000000+00:00")
    assert ours.merge(theirs) == 2
    assert ours.reflection("a.b.one") == "theirs, new"
    assert ours.reflection("a.b.two") == "only theirs"
    assert ours.reflection("a.b.three") == "only ours"
    # Merging an older copy back changes nothing.
    older = Journal()
    older.set("reflection/a.b.one", "stale", when="2025-12-31T10:00:00.000000+00:00")
    assert ours.merge(older) == 0
    assert ours.reflection("a.b.one") == "theirs, new"


def test_cleared_text_is_not_brought_back_by_a_merge():
    ours = Journal()
    ours.set_reflection("a.b.c", "something private")
    copy = Journal.loads(ours.dumps())
    ours.set_reflection("a.b.c", "")
    ours.merge(copy)
    assert ours.reflection("a.b.c") == ""
    assert ours.reflections() == {}


def test_two_pages_saving_to_one_file_keep_both_texts(tmp_path):
    path = tmp_path / "journal.json"
    page_one = FileStore(path)
    page_two = FileStore(path)
    j1, _ = page_one.load()
    j2, _ = page_two.load()
    j1.set_reflection("availability.general.one", "written on page one")
    page_one.save(j1)
    j2.set_reflection("sensitivity.general.two", "written on page two")
    page_two.save(j2)
    final, _ = FileStore(path).load()
    assert final.reflection("availability.general.one") == "written on page one"
    assert final.reflection("sensitivity.general.two") == "written on page two"
    # The page that saved last also sees what the other page wrote.
    assert j2.reflection("availability.general.one") == "written on page one"


def _save_many(path: str, worker: int, count: int) -> None:
    store = FileStore(path)
    journal, _ = store.load()
    for n in range(count):
        journal.set_reflection(f"domain.stage.w{worker}-n{n}", f"worker {worker} note {n}")
        store.save(journal)


def test_concurrent_processes_lose_no_entry(tmp_path):
    path = str(tmp_path / "journal.json")
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_save_many, args=(path, w, 15)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(60)
        assert p.exitcode == 0
    final, warning = FileStore(path).load()
    assert warning is None
    assert len(final.reflections()) == 4 * 15


def test_saving_keeps_the_previous_version_and_leaves_no_temporary_files(tmp_path):
    store, _ = saved(tmp_path / "journal.json", "version one", "version two")
    assert Journal.loads(store.backup_path.read_text()).reflection("a.b.c") == "version one"
    assert Journal.loads(store.path.read_text()).reflection("a.b.c") == "version two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "journal.json",
        "journal.json.bak",
        "journal.json.lock",
    ]


def test_a_damaged_file_is_kept_aside_and_the_backup_restored(tmp_path):
    store, _ = saved(tmp_path / "journal.json", "kept safe", "kept safe, then more")
    store.path.write_text('{"format": "secure-base-journal", "vers')  # a torn write
    recovered, warning = store.load()
    assert recovered.reflection("a.b.c") == "kept safe"
    assert "could not be read" in warning and "previous saved copy was restored" in warning
    kept = [p for p in tmp_path.iterdir() if ".unreadable-" in p.name]
    assert len(kept) == 1 and kept[0].read_text().startswith('{"format"')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json at all", "not valid JSON"),
        ("[]", "not a Team as a Secure Base journal"),
        ('{"format": "something-else", "version": 1}', "not a Team as a Secure Base journal"),
        (
            '{"format": "secure-base-journal", "version": 99, "created": "x", "entries": {}}',
            "newer version of the course",
        ),
        (
            '{"format": "secure-base-journal", "version": "1", "entries": {}}',
            "does not say which version",
        ),
        (
            HEAD + '"entries": {"reflection/a.b.c": {"value": 5, "updated": "' + T + '"}}}',
            "must be text",
        ),
        (
            HEAD + '"entries": {"password/x": {"value": "", "updated": "' + T + '"}}}',
            "an entry of a kind the course does not know",
        ),
        (
            '{"format": "secure-base-journal", "version": 1, "created": "2026-01-01T00:00:00",'
            ' "entries": {}}',
            "no time zone",
        ),
    ],
)
def test_bad_journal_files_are_refused_with_a_clear_message(text, message):
    with pytest.raises(JournalError, match=message) as refused:
        Journal.loads(text)
    # A sentence in the learner's words: a capital, a full stop, and no entry keys.
    said = str(refused.value)
    assert said[0].isupper() and said.endswith(".") and "/" not in said


def test_an_oversized_file_is_refused():
    with pytest.raises(JournalError, match="too large"):
        Journal.loads(b" " * (9 * 1024 * 1024))


def test_oversized_text_is_refused_and_the_journal_is_unchanged():
    journal = Journal()
    journal.set_reflection("a.b.c", "short")
    with pytest.raises(JournalError, match="longer than"):
        journal.set_reflection("a.b.c", "x" * (MAX_TEXT_CHARS + 1))
    assert journal.reflection("a.b.c") == "short"


def test_time_only_moves_forward_for_an_entry():
    journal = Journal()
    journal.set("reflection/a.b.c", "later", when="2026-06-01T00:00:00.000000+00:00")
    journal.set("reflection/a.b.c", "clock went back", when="2026-05-01T00:00:00.000000+00:00")
    entry = journal.get("reflection/a.b.c")
    assert entry.value == "clock went back"
    assert entry.updated > "2026-06-01T00:00:00.000000+00:00"


def test_the_journal_location_can_be_set(monkeypatch, tmp_path):
    monkeypatch.setenv("SECURE_BASE_JOURNAL", str(tmp_path / "mine.json"))
    assert default_journal_path() == tmp_path / "mine.json"
    monkeypatch.delenv("SECURE_BASE_JOURNAL")
    assert default_journal_path().name == "journal.json"
    assert "secure-base" in str(default_journal_path())


def test_the_saved_file_is_plain_readable_json(tmp_path):
    store = FileStore(tmp_path / "journal.json")
    journal, _ = store.load()
    journal.set_reflection("a.b.c", "café")
    store.save(journal)
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert data["format"] == "secure-base-journal"
    assert data["entries"]["reflection/a.b.c"]["value"] == "café"
    assert os.stat(store.path).st_size < 1000


def test_a_scenario_record_round_trips():
    journal = Journal()
    record = {"path": ["opening", "call-now"], "ending": None, "endings": ["ending-steady"]}
    journal.set_scenario("first-court-appearance", record)
    again = Journal.loads(journal.dumps())
    assert again.scenario("first-court-appearance") == record
    assert list(again.scenarios()) == ["first-court-appearance"]


@pytest.mark.parametrize(
    "record",
    [
        "opening",
        {"path": ["opening"]},
        {"path": "opening", "ending": None, "endings": []},
        {"path": [1, 2], "ending": None, "endings": []},
        {"path": ["x" * 101], "ending": None, "endings": []},
        {"path": ["step"] * 65, "ending": None, "endings": []},
        {"path": [], "ending": 5, "endings": []},
        {"path": [], "ending": None, "endings": [], "extra": True},
    ],
)
def test_malformed_scenario_records_are_refused(record):
    journal = Journal()
    with pytest.raises(JournalError):
        journal.set_scenario("a-scenario", record)
    assert journal.scenario("a-scenario") is None


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_older_journal_is_migrated(version):
    old = HEAD.replace('"version": 2', f'"version": {version}') + (
        '"entries": {"reflection/a.b.c": {"value": "kept", "updated": "' + T + '"}}}'
    )
    journal = Journal.loads(old)
    assert journal.reflection("a.b.c") == "kept"
    assert journal.to_dict()["version"] == SCHEMA_VERSION == 4


def test_a_workshop_record_keeps_only_a_valid_device_id():
    journal = Journal()
    journal.set_workshop_device("K7M-4QX", "a" * 24)
    assert Journal.loads(journal.dumps()).workshop_device("K7M-4QX") == "a" * 24
    for bad in ({"device": "short"}, {"device": "a" * 24, "name": "Jo"}, {"device": "<b>" * 8}):
        with pytest.raises(JournalError):
            journal.set("workshop/K7M-4QX", bad)
    assert journal.workshop_device("K7M-4QX") == "a" * 24


def test_delete_everything_removes_every_copy_and_nothing_comes_back(tmp_path):
    path = tmp_path / "journal.json"
    this_page, other_page = FileStore(path), FileStore(path)
    mine, _ = this_page.load()
    mine.set_reflection("a.b.c", "private words")
    this_page.save(mine)
    mine.set_reflection("a.b.c", "private words, edited")
    this_page.save(mine)
    theirs, _ = other_page.load()  # another page, still open, holding the old text
    (tmp_path / "journal.json.unreadable-2026").write_text("{ damaged")
    this_page.delete_everything(mine)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.json", "journal.json.lock"]
    assert "private" not in path.read_text()
    assert len(mine) == 0
    # The other page saves again: its old entries are dropped, not written back.
    theirs.set_reflection("x.y.z", "written after the deletion")
    other_page.save(theirs)
    final, _ = FileStore(path).load()
    assert final.reflection("a.b.c") == ""
    assert final.reflection("x.y.z") == "written after the deletion"
    assert theirs.reflection("a.b.c") == ""
    assert "private" not in path.read_text() and "private" not in store_text(path)


def store_text(path):
    return "".join(p.read_text() for p in path.parent.iterdir() if p.is_file())


WRITER = """
import sys
from widgets.journal import FileStore
store = FileStore(sys.argv[1])
journal, _ = store.load()
n = 0
while True:
    n += 1
    journal.set_reflection(f"domain.stage.p{n % 121}", f"version {n} " + "words " * 400)
    store.save(journal)
    if n == 1:
        print("saved once", flush=True)
"""


def test_a_process_killed_mid_save_leaves_a_whole_journal(tmp_path):
    import random
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "journal.json"
    rng = random.Random(20261129)
    for attempt in range(12):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout.readline().strip() == "saved once"
        time.sleep(rng.uniform(0.05, 0.4))
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
        journal, warning = FileStore(path).load()
        assert warning is None, f"attempt {attempt}: {warning}"
        assert len(journal) > 0
        # Every entry is whole: a killed save leaves the old file or the new one, never half.
        assert all(journal.reflection(k.partition("/")[2]).startswith("version ") for k in journal)


def test_a_journal_that_cannot_be_written_raises_and_keeps_the_text(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the journal's folder should be")
    store = FileStore(blocker / "journal.json")
    journal = Journal()
    journal.set_reflection("a.b.c", "still here")
    with pytest.raises(OSError):
        store.save(journal)
    assert journal.reflection("a.b.c") == "still here"


READER = """
import sys
from widgets.journal import FileStore
journal, warning = FileStore(sys.argv[1]).load()
print(len(journal), warning, "filelock" in sys.modules)
"""


def test_opening_a_page_reads_a_sound_journal_without_the_lock(tmp_path):
    import subprocess
    import sys

    store, _ = saved(tmp_path / "journal.json", "written on Monday")
    store.lock_path.unlink()
    out = subprocess.run(
        [sys.executable, "-c", READER, str(store.path)], capture_output=True, text=True, check=True
    ).stdout.split()
    # One entry, no warning; the lock was neither imported nor made (except on Windows).
    windows = sys.platform == "win32"
    assert out == ["1", "None", str(windows)]
    assert store.lock_path.exists() is windows


def test_a_new_learner_s_first_page_makes_no_folder(tmp_path):
    store = FileStore(tmp_path / "not yet" / "journal.json")
    journal, warning = store.load()
    assert len(journal) == 0 and warning is None
    assert not (tmp_path / "not yet").exists() or os.name == "nt"


def test_a_missing_journal_with_a_backup_is_restored_under_the_lock(tmp_path):
    store, _ = saved(tmp_path / "journal.json", "first", "second")
    store.path.unlink()
    restored, warning = FileStore(store.path).load()
    assert restored.reflection("a.b.c") == "first"
    assert "previous saved copy was restored" in warning


def test_where_reads_must_lock_every_load_takes_the_lock(tmp_path, monkeypatch):
    from widgets.journal import files

    monkeypatch.setattr(files, "READS_WITHOUT_LOCK", False)
    store, _ = saved(tmp_path / "journal.json", "kept")
    store.lock_path.unlink()
    taken = []
    real = type(store._lock).acquire

    def acquire(self, *args, **kwargs):
        taken.append(True)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(store._lock), "acquire", acquire)
    loaded, _ = FileStore(store.path).load()
    assert loaded.reflection("a.b.c") == "kept" and taken
