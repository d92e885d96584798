"""The journal kept in the learner's browser, driven through the store's messages (no browser)."""

from __future__ import annotations

import json

import pytest

import widgets.journal.session as journal_session
from widgets.content import load_course
from widgets.journal import JournalError
from widgets.journal.browser import BrowserStore, parse_browser_copy
from widgets.pages import CoursePage
from widgets.pages.panels import DeletePanel
from widgets.pages.reflection import ReflectionStage

COURSE = load_course()
T1 = "2026-11-01T10:00:00.000000+00:00"
T2 = "2026-11-02T10:00:00.000000+00:00"


@pytest.fixture
def browser_session(monkeypatch):
    monkeypatch.setenv("SECURE_BASE_STORE", "browser")
    monkeypatch.setattr(journal_session, "_session", None)
    sess = journal_session.page_session()
    sent = []
    monkeypatch.setattr(
        sess.store.widget, "send", lambda content, buffers=None: sent.append(content)
    )
    sess.sent = sent
    return sess


def browser_copy(entries: dict, cleared: str | None = None) -> str:
    return json.dumps({"entries": entries, "cleared": cleared})


def test_the_page_starts_empty_and_fills_in_when_the_browser_copy_arrives(browser_session):
    assert isinstance(browser_session.store, BrowserStore)
    prompt = COURSE.prompts_for("availability", "general")[0]
    page = CoursePage("availability")
    page.session = browser_session
    page.reflect("general")
    field = page.fields[prompt.id]
    assert field.value == ""
    browser_session.store.widget.loaded = browser_copy(
        {f"reflection/{prompt.id}": {"value": "From this browser.", "updated": T1}}
    )
    assert field.value == "From this browser."
    assert browser_session.sent == []  # nothing to send back: the browser has it already


def test_a_change_sends_only_the_changed_entry(browser_session):
    prompt = COURSE.prompts_for("sensitivity", "general")[0]
    other = COURSE.prompts_for("sensitivity", "general")[1]
    browser_session.store.widget.loaded = browser_copy(
        {f"reflection/{other.id}": {"value": "Already there.", "updated": T1}}
    )
    stage = ReflectionStage([prompt], "", browser_session)
    field = stage.fields[prompt.id]
    field.value = "Typed now."
    (message,) = browser_session.sent
    assert message["kind"] == "write"
    assert list(message["entries"]) == [f"reflection/{prompt.id}"]
    assert message["entries"][f"reflection/{prompt.id}"]["value"] == "Typed now."
    assert "Saved at" in field.status


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not valid JSON"),
        (json.dumps({"entries": []}), "expected shape"),
        (json.dumps({"entries": {"password/x": {"value": "", "updated": T1}}}), "kind the course"),
        (json.dumps({"entries": {"reflection/a.b.c": {"value": 5, "updated": T1}}}), "text"),
        ("x" * (9 * 1024 * 1024), "too large"),
    ],
)
def test_a_browser_copy_that_is_not_a_journal_is_refused_and_reported(
    browser_session, text, reason
):
    with pytest.raises(JournalError, match=reason):
        parse_browser_copy(text)
    reported = []
    browser_session.observe(
        lambda _change: reported.append(browser_session.warning), names="problems"
    )
    browser_session.store.widget.loaded = text
    assert reported and "could not be read" in reported[0]
    assert len(browser_session.journal) == 0
    assert browser_session.sent == []  # and nothing is written over what the browser holds


def test_a_storage_failure_in_the_browser_is_reported(browser_session):
    reported = []
    browser_session.observe(
        lambda _change: reported.append(browser_session.warning), names="problems"
    )
    browser_session.store._message(None, {"kind": "failed", "seq": 1, "error": "QuotaExceeded"}, [])
    assert "did not save your last change (QuotaExceeded)" in reported[0]
    browser_session.store.widget.error = "SecurityError"
    assert "does not let the course keep your journal" in reported[1]


def test_delete_everything_clears_the_browser_copy(browser_session):
    browser_session.store.widget.loaded = browser_copy(
        {"reflection/a.b.c": {"value": "private", "updated": T1}}
    )
    panel = DeletePanel(browser_session)
    panel.confirm.value = True
    assert panel.delete()
    (message,) = browser_session.sent
    assert message["kind"] == "clear" and message["cleared"] == browser_session.journal.cleared
    assert len(browser_session.journal) == 0


def test_entries_older_than_a_deletion_in_the_browser_do_not_come_back(browser_session):
    browser_session.store.widget.loaded = browser_copy(
        {
            "reflection/a.b.c": {"value": "old", "updated": T1},
            "reflection/a.b.d": {"value": "new", "updated": T2},
        },
        cleared="2026-11-01T12:00:00.000000+00:00",
    )
    assert browser_session.journal.reflection("a.b.c") == ""
    assert browser_session.journal.reflection("a.b.d") == "new"


def test_the_file_store_stays_the_default(monkeypatch):
    monkeypatch.delenv("SECURE_BASE_STORE", raising=False)
    monkeypatch.setattr(journal_session, "_session", None)
    assert journal_session.page_session().store.kind == "file"


def test_writing_kept_unsaved_is_checked_entry_by_entry_and_a_far_future_time_is_not_kept(
    tmp_path, monkeypatch
):
    """What a browser kept unsaved comes back through the journal's own checks, one entry at a
    time: a bad entry is set aside (and forgotten in the browser), the rest are saved."""
    from widgets.journal import FileStore, Session

    prompt = COURSE.prompts_for("acceptance", "general")[0]
    session = Session(FileStore(tmp_path / "journal.json"))
    sent: list = []
    monkeypatch.setattr(session.bridge, "send", lambda content, buffers=None: sent.append(content))
    session.bridge.loaded = json.dumps(
        {
            "entries": {},
            "unsaved": {
                f"reflection/{prompt.id}": {
                    "value": "Kept.",
                    "updated": "2999-01-01T00:00:00+00:00",
                },
                "reflection/a.b.c": {"value": 5, "updated": T1},
            },
        }
    )
    saved = FileStore(tmp_path / "journal.json").read()
    assert saved.reflection(prompt.id) == "Kept."
    assert (
        saved.get(f"reflection/{prompt.id}").updated < "2999"
    )  # the clock's time, not the browser's
    assert "reflection/a.b.c" not in saved
    (release,) = sent
    assert release["kind"] == "release"
    # Both are forgotten in the browser, each up to the time the browser itself gave it.
    assert release["saved"] == {
        f"reflection/{prompt.id}": "2999-01-01T00:00:00+00:00",
        "reflection/a.b.c": T1,
    }
    assert "could not be read" in session.warning and session.warning.endswith(".")
