"""The course content: its schema, its coverage of the source tool, and its own words."""

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from widgets.content import ContentError, content_root, load_course, parse_course

DATA = Path(__file__).parent / "data"
SOURCE = json.loads((DATA / "source_items.json").read_text(encoding="utf-8"))
SOURCE_IDS = {item["id"] for item in SOURCE["items"]}

_spec = importlib.util.spec_from_file_location("fingerprints", DATA / "make_source_fingerprints.py")
fingerprints_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fingerprints_module)


@pytest.fixture(scope="module")
def course():
    return load_course()


def test_project_keeps_all_121_source_ids():
    assert len(SOURCE_IDS) == 121


def test_every_source_item_is_carried_by_a_prompt(course):
    missing = SOURCE_IDS - course.source_ids()
    assert not missing, f"source items with no prompt: {sorted(missing)}"


def test_no_prompt_names_an_unknown_source_item(course):
    unknown = course.source_ids() - SOURCE_IDS
    assert not unknown, f"prompts name items the tool does not have: {sorted(unknown)}"


def test_a_prompt_carries_items_of_its_own_domain_and_stage(course):
    for prompt in course.prompts:
        for item in prompt.source:
            domain, stage, _n = item.split(".")
            assert (domain, stage) == (prompt.domain, prompt.stage), prompt.id


def test_the_model_has_five_domains_with_their_beliefs_and_four_stages(course):
    assert [d.key for d in course.domains] == [
        "availability",
        "sensitivity",
        "acceptance",
        "cooperation",
        "belonging",
    ]
    assert [d.belief for d in course.domains] == [
        "People are there for me",
        "My feelings are manageable",
        "I don’t always have to be strong",
        "I can work with others to find a solution",
        "I am valued and I belong",
    ]
    assert [s.key for s in course.stages] == [
        "general",
        "fine_tuning",
        "sustaining",
        "practical",
    ]


def test_every_domain_has_prompts_in_every_stage(course):
    for domain in course.domains:
        for stage in course.stages:
            assert course.prompts_for(domain.key, stage.key), (domain.key, stage.key)


def test_the_modules_in_file_order_and_the_about_pages_outside_the_sequence(course):
    assert [m.file for m in course.modules if m.about] == [
        "07_accessibility.ipynb",
        "08_privacy.ipynb",
    ]
    assert [m.file for m in course.sequence] == [
        "00_welcome.ipynb",
        "01_availability.ipynb",
        "02_sensitivity.ipynb",
        "03_acceptance.ipynb",
        "04_cooperation.ipynb",
        "05_belonging.ipynb",
        "06_closing.ipynb",
        "09_share.ipynb",
    ]


def test_no_prompt_copies_its_source_item(course):
    """No run of six words in a prompt (or its nudge) matches the wording of any item."""
    run = SOURCE["run"]
    item_prints = {item["id"]: set(item["fingerprints"]) for item in SOURCE["items"]}
    every_print = set().union(*item_prints.values())
    for prompt in course.prompts:
        for text in filter(None, (prompt.text, prompt.nudge)):
            copied = fingerprints_module.fingerprints(text, run) & every_print
            assert not copied, f"{prompt.id} repeats the source tool's wording"


def test_the_copy_check_does_catch_a_copied_item():
    # A guard on the test above: the tool's own first item, as it is published, is caught.
    ours = "How available are you to your team? Have you discussed this thoroughly"
    item = next(i for i in SOURCE["items"] if i["id"] == "availability.general.1")
    assert fingerprints_module.fingerprints(ours) & set(item["fingerprints"])


def test_course_text_uses_british_spelling(course):
    texts = [p.text for p in course.prompts] + [p.nudge or "" for p in course.prompts]
    texts += [d.meaning for d in course.domains]
    american = re.compile(r"\b(\w+iz(e|es|ed|ing|ation)|behavior|color|center|program)\b", re.I)
    allowed = {"size", "sizes", "seize"}
    for text in texts:
        for match in american.finditer(text):
            assert match.group(0).lower() in allowed, f"American spelling: {match.group(0)!r}"


# -- the schema refuses bad content, saying where ------------------------------------------


@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(content_root(), target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_the_copy_parses(content_copy):
    assert parse_course(content_copy) == load_course()


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("prompts/availability.toml", 'stage = "general"', 'stage = "genral"', "stage"),
        ("prompts/availability.toml", "source = [", "sources = [", "unknown key"),
        (
            "prompts/availability.toml",
            'source = ["availability.general.1"]',
            'source = ["availability.general.one"]',
            "not a source item id",
        ),
        (
            "prompts/availability.toml",
            'source = ["availability.general.1"]',
            "source = []",
            "names no source item",
        ),
        (
            "prompts/availability.toml",
            "[[prompt]]\nid = ",
            "[[prompt]]\nnudge = 3\nid = ",
            "expected text",
        ),
        ("prompts/availability.toml", '?"\n', '."\n', "ends with '?'"),
        ("course.toml", 'belief = "People are there for me"', 'belief = ""', "must not be empty"),
        ("course.toml", 'domain = "sensitivity"', 'domain = "sensitivty"', "no known domain"),
        ("course.toml", "[[stages]]", "[[stagez]]", "unknown key"),
        (
            "course.toml",
            'title = "Team as a Secure Base"',
            'title = "Team as a Secure Base',
            "not valid TOML",
        ),
    ],
)
def test_bad_content_is_refused_with_a_clear_message(content_copy, file, old, new, message):
    _replace(content_copy / file, old, new)
    with pytest.raises(ContentError, match=re.escape(message)) as info:
        parse_course(content_copy)
    assert file.split("/")[-1] in str(info.value) or "course.toml" in str(info.value)


def test_duplicate_prompt_ids_are_refused(content_copy):
    path = content_copy / "prompts" / "availability.toml"
    first = path.read_text(encoding="utf-8").split("[[prompt]]")[1]
    path.write_text(path.read_text(encoding="utf-8") + "\n[[prompt]]" + first, encoding="utf-8")
    with pytest.raises(ContentError, match="appears more than once"):
        parse_course(content_copy)


def test_a_missing_prompt_file_is_refused(content_copy):
    (content_copy / "prompts" / "belonging.toml").unlink()
    with pytest.raises(ContentError, match="belonging.toml: missing"):
        parse_course(content_copy)


def test_the_cache_keeps_one_small_file_per_content_file(content_copy, tmp_path, monkeypatch):
    from widgets.content import schema

    cache = tmp_path / "cache"
    monkeypatch.setenv(schema.CACHE_ENV, str(cache))
    first = parse_course(content_copy)
    entries = sorted((cache / "parsed-content-2").glob("*.json"))
    kept = [json.loads(e.read_text(encoding="utf-8")) for e in entries]
    assert all(set(k) == {"path", "stamp", "data"} for k in kept)
    paths = {Path(k["path"]) for k in kept}
    assert len(paths) == len(entries)  # one entry for each content file, no more
    assert (content_copy / "course.toml").resolve() in paths
    assert (content_copy / "prompts" / "availability.toml").resolve() in paths
    assert all(p.is_relative_to(content_copy.resolve()) for p in paths)
    # The second read comes from the cache, and gives the same course.
    before = {e: e.stat().st_mtime_ns for e in entries}
    assert parse_course(content_copy) == first
    assert {e: e.stat().st_mtime_ns for e in entries} == before


def test_a_changed_content_file_is_read_afresh_not_from_the_cache(
    content_copy, tmp_path, monkeypatch
):
    from widgets.content import schema

    monkeypatch.setenv(schema.CACHE_ENV, str(tmp_path / "cache"))
    parse_course(content_copy)
    _replace(
        content_copy / "course.toml", 'title = "Team as a Secure Base"', 'title = "Secure Base"'
    )
    assert parse_course(content_copy).title == "Secure Base"
    # A change the cache would hide is still refused.
    _replace(content_copy / "course.toml", "[[stages]]", "[[stagez]]")
    with pytest.raises(ContentError, match="unknown key"):
        parse_course(content_copy)


def test_a_damaged_or_foreign_cache_entry_is_ignored(content_copy, tmp_path, monkeypatch):
    from widgets.content import schema

    monkeypatch.setenv(schema.CACHE_ENV, str(tmp_path / "cache"))
    expected = parse_course(content_copy)
    entry = schema._cache_entry(str((content_copy / "course.toml").resolve()))
    entry.write_text("{not json", encoding="utf-8")
    assert parse_course(content_copy) == expected
    # An entry written for another file (same stamp, say) is not taken for this one.
    kept = json.loads(entry.read_text(encoding="utf-8"))
    kept["path"] = str(tmp_path / "elsewhere" / "course.toml")
    kept["data"]["title"] = "Not this course"
    entry.write_text(json.dumps(kept), encoding="utf-8")
    assert parse_course(content_copy).title == expected.title


def test_a_cache_folder_that_cannot_be_written_costs_nothing(content_copy, tmp_path, monkeypatch):
    from widgets.content import schema

    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(schema.CACHE_ENV, str(blocker))
    assert parse_course(content_copy) == load_course()


def _kept(root: Path, make=None):
    """The course under ``root`` through the cache of checked content, as load_course reads it."""
    from widgets.content.course import course_files
    from widgets.content.model import Course
    from widgets.content.schema import kept_checked

    return kept_checked("course", course_files(root), Course, make or (lambda: parse_course(root)))


def _checked_again():
    raise AssertionError("the content was checked again")


def test_a_checked_course_is_kept_and_taken_back_without_checking_again(
    content_copy, tmp_path, monkeypatch
):
    from widgets.content import schema
    from widgets.content.model import Prompt

    monkeypatch.setenv(schema.CACHE_ENV, str(tmp_path / "cache"))
    first = _kept(content_copy)
    assert first == parse_course(content_copy)
    (entry,) = (tmp_path / "cache" / "checked-content-1").glob("*.json")
    kept = json.loads(entry.read_text(encoding="utf-8"))
    assert set(kept) == {"name", "stamps", "data"}
    assert {Path(p).name for p, _size, _mtime in kept["stamps"]} >= {
        "course.toml",
        "availability.toml",
        "course.py",
        "model.py",
        "schema.py",
    }
    again = _kept(content_copy, _checked_again)
    assert again == first
    assert isinstance(again.prompts, tuple) and isinstance(again.prompts[0], Prompt)
    assert isinstance(again.prompts[0].source, tuple)


def test_a_changed_content_file_is_checked_again(content_copy, tmp_path, monkeypatch):
    from widgets.content import schema

    monkeypatch.setenv(schema.CACHE_ENV, str(tmp_path / "cache"))
    _kept(content_copy)
    _replace(content_copy / "statements" / "belonging.toml", "[[statement]]", "[[statements]]")
    with pytest.raises(ContentError, match="expected only"):
        _kept(content_copy)
    _replace(content_copy / "statements" / "belonging.toml", "[[statements]]", "[[statement]]")
    _replace(
        content_copy / "course.toml", 'title = "Team as a Secure Base"', 'title = "Secure Base"'
    )
    assert _kept(content_copy).title == "Secure Base"


def test_changed_checking_code_means_the_content_is_checked_again(tmp_path, monkeypatch):
    import os

    from widgets.content import schema

    monkeypatch.setenv(schema.CACHE_ENV, str(tmp_path / "cache"))
    code = tmp_path / "checks.py"
    code.write_text("# the rules\n", encoding="utf-8")
    made = []

    def make():
        made.append(1)
        return ("kept", "value")

    kind = tuple[str, ...]
    assert schema.kept_checked("thing", [code], kind, make) == ("kept", "value")
    assert schema.kept_checked("thing", [code], kind, make) == ("kept", "value")
    assert len(made) == 1
    stat = code.stat()
    os.utime(code, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert schema.kept_checked("thing", [code], kind, make) == ("kept", "value")
    assert len(made) == 2
    # A file that has gone is no stamp at all: checked every time.
    assert schema.kept_checked("thing", [tmp_path / "gone.py"], kind, make) == ("kept", "value")
    assert len(made) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda kept: "{not json",
        lambda kept: json.dumps({**kept, "data": {**kept["data"], "title": None} | {"x": 1}}),
        lambda kept: json.dumps(
            {**kept, "data": {k: v for k, v in kept["data"].items() if k != "modules"}}
        ),
        lambda kept: json.dumps({**kept, "name": "another thing"}),
        lambda kept: json.dumps({**kept, "stamps": kept["stamps"][1:]}),
        lambda kept: json.dumps([kept]),
    ],
    ids=[
        "not JSON",
        "an unknown field",
        "a missing field",
        "another name",
        "other stamps",
        "a list",
    ],
)
def test_a_damaged_checked_entry_means_the_content_is_checked_again(
    content_copy, tmp_path, monkeypatch, damage
):
    from widgets.content import schema

    monkeypatch.setenv(schema.CACHE_ENV, str(tmp_path / "cache"))
    expected = _kept(content_copy)
    (entry,) = (tmp_path / "cache" / "checked-content-1").glob("*.json")
    entry.write_text(damage(json.loads(entry.read_text(encoding="utf-8"))), encoding="utf-8")
    checked = []
    assert _kept(content_copy, lambda: checked.append(1) or parse_course(content_copy)) == expected
    assert checked == [1]
    assert _kept(content_copy, _checked_again) == expected  # and kept again, whole


def test_a_module_s_scenarios_come_back_from_the_cache_as_they_were_checked(tmp_path, monkeypatch):
    from widgets.content import scenarios, schema

    monkeypatch.setenv(schema.CACHE_ENV, str(tmp_path / "cache"))
    scenarios.scenarios_for.cache_clear()
    try:
        first = scenarios.scenarios_for("availability")
        assert first and all(s.domain == "availability" for s in first)
        scenarios.scenarios_for.cache_clear()
        monkeypatch.setattr(scenarios, "_check_scenarios_for", lambda *a: _checked_again())
        again = scenarios.scenarios_for("availability")
        assert again == first
        assert isinstance(again[0].node[0].choice, tuple)
    finally:
        scenarios.scenarios_for.cache_clear()


def test_a_checked_cache_that_cannot_be_written_costs_nothing(content_copy, tmp_path, monkeypatch):
    from widgets.content import schema

    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(schema.CACHE_ENV, str(blocker))
    assert _kept(content_copy) == parse_course(content_copy)
