"""The page widgets, tested through their state, without a browser."""

import os
import re

import pytest

import widgets.journal.session as journal_session
import widgets.pages.page as course_page_module
from widgets.content import load_course
from widgets.journal import MAX_TEXT_CHARS, FileStore, Session
from widgets.pages import CoursePage
from widgets.pages.frame import nav_html
from widgets.pages.panels import DeletePanel, JournalFilePanel
from widgets.reports.about import credits_html, model_svg
from widgets.reports.summaries import summary_html


@pytest.fixture
def journal_file(tmp_path, monkeypatch):
    path = tmp_path / "journal.json"
    monkeypatch.setenv("SECURE_BASE_JOURNAL", str(path))
    monkeypatch.setattr(journal_session, "_session", None)
    return path


@pytest.fixture
def course():
    return load_course()


def new_page(module_key: str) -> CoursePage:
    """A fresh page, as after a reload: a new kernel with a new session."""
    journal_session.reset()
    return CoursePage(module_key)


def test_a_reflection_field_is_labelled_with_its_prompt(journal_file, course):
    page = new_page("availability")
    page.reflect("general")
    prompts = course.prompts_for("availability", "general")
    assert [f.prompt.id for f in page.fields.values()] == [p.id for p in prompts]
    stage = page.stages_shown["general"]
    state = stage.get_state()
    assert [box["label"] for box in state["boxes"]] == [p.text for p in prompts]
    assert [box["value"] for box in state["boxes"]] == [""] * len(prompts)
    assert state["limit"] == MAX_TEXT_CHARS
    # One component for the whole stage: its boxes are drawn in the browser, not as widgets.
    assert "<textarea" not in str(state) and 'createElement("textarea")' in stage._esm


def test_typing_saves_to_the_journal_and_survives_a_reload(journal_file, course):
    prompt = course.prompts_for("sensitivity", "fine_tuning")[0]
    page = new_page("sensitivity")
    page.reflect("fine_tuning")
    page.fields[prompt.id].value = "A colleague caring for a parent finds calls at 9 hard."
    assert re.fullmatch(
        r'<span class="sb-status-ok" data-sb-announce="polite">Saved at \d\d:\d\d</span>',
        page.fields[prompt.id].status,
    )
    saved, _ = FileStore(journal_file).load()
    assert saved.reflection(prompt.id) == "A colleague caring for a parent finds calls at 9 hard."

    reloaded = new_page("sensitivity")
    reloaded.reflect("fine_tuning")
    assert reloaded.fields[prompt.id].value.startswith("A colleague caring")


def test_text_is_there_in_the_next_module(journal_file, course):
    prompt = course.prompts_for("acceptance", "general")[0]
    page = new_page("acceptance")
    page.reflect("general")
    page.fields[prompt.id].value = "We celebrate after court."
    closing = new_page("closing")
    html = summary_html(closing.course, closing.session.journal)
    assert "We celebrate after court." in html
    assert prompt.text in summary_html(course, closing.session.journal)


def test_oversized_text_is_refused_with_a_message_and_nothing_saved_is_lost(journal_file, course):
    prompt = course.prompts_for("availability", "general")[0]
    page = new_page("availability")
    page.reflect("general")
    page.fields[prompt.id].value = "The first, sensible reflection."
    page.fields[prompt.id].value = "x" * (MAX_TEXT_CHARS + 5)
    assert "Not saved" in page.fields[prompt.id].status
    assert 'data-sb-announce="alert"' in page.fields[prompt.id].status
    # The box keeps what the learner typed; the journal keeps the last text it accepted.
    assert len(page.fields[prompt.id].value) == MAX_TEXT_CHARS + 5
    saved, _ = FileStore(journal_file).load()
    assert saved.reflection(prompt.id) == "The first, sensible reflection."


def test_a_failed_save_is_reported_and_the_text_stays_in_the_box(journal_file, course, monkeypatch):
    prompt = course.prompts_for("cooperation", "general")[0]
    page = new_page("cooperation")
    page.reflect("general")

    def broken_save(journal):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(page.session.store, "save", broken_save)
    page.fields[prompt.id].value = "Allocation meetings feel fairer when minuted."
    assert "Not saved" in page.fields[prompt.id].status
    assert "Permission denied" in page.fields[prompt.id].status
    assert page.fields[prompt.id].value == "Allocation meetings feel fairer when minuted."


def test_learner_text_is_escaped_in_the_summary(journal_file, course):
    prompt = course.prompts_for("belonging", "general")[0]
    page = new_page("belonging")
    page.reflect("general")
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    page.fields[prompt.id].value = hostile
    html = summary_html(course, new_page("closing").session.journal)
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_the_summary_says_so_when_nothing_is_written(journal_file, course):
    html = summary_html(course, new_page("closing").session.journal)
    assert "You have not written any reflections yet" in html


def test_navigation_links_previous_next_and_contents(course):
    module = course.module("sensitivity")
    nav = nav_html(course, module, "top")
    assert 'href="01_availability.ipynb" target="_self" rel="prev"' in nav
    assert 'href="03_acceptance.ipynb" target="_self" rel="next"' in nav
    assert 'href="02_sensitivity.ipynb" target="_self" aria-current="page"' in nav
    # eight modules (seven and the workshop page), the accessibility and privacy pages
    assert nav.count("<li>") == 10
    assert 'About this course:</p><ul><li><a href="07_accessibility.ipynb"' in nav
    assert "Module 3 of 8: Sensitivity" in nav
    first = nav_html(course, course.sequence[0], "top")
    last = nav_html(course, course.sequence[-1], "bottom")
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_the_model_picture_has_a_text_alternative(course):
    svg = model_svg(course)
    assert 'role="img"' in svg and 'aria-labelledby="sb-model-title sb-model-desc"' in svg
    for domain in course.domains:
        assert domain.title in svg
        assert domain.belief in svg


def test_credits_name_the_source_its_authors_funder_and_references(course):
    html = credits_html(course)
    for text in (
        "Team as a Secure Base Model in Online and Hybrid Spaces",
        "Biggart",
        "Cook",
        "Carder",
        "University of East Anglia",
        "Department for Education",
        "10.1108/JCS-07-2020-0031",
        "10.1016/j.childyouth.2017.10.031",
    ):
        assert text in html


def test_a_domain_module_cannot_reflect_on_a_missing_stage(journal_file):
    page = new_page("availability")
    with pytest.raises(KeyError):
        page.reflect("not_a_stage")
    with pytest.raises(ValueError, match="no domain"):
        new_page("welcome").reflect("general")


def test_a_damaged_journal_is_reported_on_the_page(journal_file, course, monkeypatch):
    journal_file.write_text("{ this is not json")
    shown = []
    monkeypatch.setattr(course_page_module, "display", shown.append)
    page = new_page("availability")
    page.header()
    alerts = [o.data for o in shown if 'role="alert"' in getattr(o, "data", "")]
    assert len(alerts) == 1 and "could not be read" in alerts[0]
    # The learner can carry on writing; the damaged file is kept beside the new one.
    page.reflect("general")
    prompt = course.prompts_for("availability", "general")[0]
    page.fields[prompt.id].value = "Starting again"
    assert "Saved at" in page.fields[prompt.id].status
    assert [p.name for p in journal_file.parent.glob("journal.json.unreadable-*")]


def test_an_about_page_stands_outside_the_sequence(course):
    nav = nav_html(course, course.module("accessibility"), "top")
    assert "← Back to the course: Welcome" in nav
    assert "About this course: Accessibility statement" in nav
    assert 'rel="prev"' not in nav and 'rel="next"' not in nav and "Module" not in nav
    closing = nav_html(course, course.module("closing"), "top")
    assert "Module 7 of 8" in closing
    assert 'href="09_share.ipynb" target="_self" rel="next"' in closing
    last = nav_html(course, course.module("share"), "top")
    assert "Module 8 of 8" in last and 'rel="next"' not in last


def test_the_journal_file_goes_out_and_comes_back_in(journal_file, course, tmp_path):
    import base64

    prompt = course.prompts_for("cooperation", "general")[0]
    page = new_page("closing")
    page.session.journal.set_reflection(prompt.id, "Written on the office laptop.")
    page.session.save()
    panel = JournalFilePanel(page.session)
    data = panel.prepare()
    link = re.search(
        r'href="data:application/json;base64,([^"]+)" download="([^"]+)"', panel.result.value
    )
    assert base64.b64decode(link.group(1)) == data
    assert re.fullmatch(r"secure-base-journal-\d{4}-\d\d-\d\d\.json", link.group(2))

    # Somewhere else, a journal with other work in it loads the file and keeps both.
    elsewhere = tmp_path / "elsewhere.json"
    journal_session._session = Session(FileStore(elsewhere))
    other = journal_session._session
    other.journal.set_reflection("belonging.general.x", "Written at home.")
    other.save()
    loader = JournalFilePanel(other)
    assert loader.load({"name": "j.json", "content": memoryview(data)}) == 1
    assert "1 entry was added" in loader.result.value
    saved, _ = FileStore(elsewhere).load()
    assert saved.reflection(prompt.id) == "Written on the office laptop."
    assert saved.reflection("belonging.general.x") == "Written at home."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "not valid JSON"),
        (b'{"format": "something else"}', "not a Team as a Secure Base journal"),
        (b" " * (9 * 1024 * 1024), "too large"),
        (None, "could not be read"),
    ],
)
def test_a_bad_journal_file_gets_a_clear_message_and_changes_nothing(
    journal_file, content, message
):
    page = new_page("closing")
    page.session.journal.set_reflection("a.b.c", "kept")
    page.session.save()
    before = journal_file.read_bytes()
    panel = JournalFilePanel(page.session)
    assert panel.load({"name": "x.json", "content": content}) is None
    assert message in panel.result.value and 'data-sb-announce="alert"' in panel.result.value
    assert journal_file.read_bytes() == before
    assert page.session.journal.reflection("a.b.c") == "kept"


def test_delete_everything_needs_confirming_then_deletes(journal_file, course):
    page = new_page("privacy")
    page.session.journal.set_reflection("a.b.c", "private")
    page.session.save()
    panel = DeletePanel(page.session)
    assert panel.delete() is False and "Nothing was deleted" in panel.result.value
    assert "private" in journal_file.read_text()
    panel.confirm.value = True
    assert panel.delete() is True
    assert "private" not in journal_file.read_text()
    assert not journal_file.with_name("journal.json.bak").exists()
    assert len(new_page("closing").session.journal) == 0


def test_on_binder_the_page_says_the_session_is_temporary(journal_file, monkeypatch):
    shown = []
    monkeypatch.setattr(course_page_module, "display", shown.append)
    monkeypatch.delenv("BINDER_LAUNCH_HOST", raising=False)
    monkeypatch.delenv("BINDER_REPO_URL", raising=False)
    new_page("availability").header()
    assert not any("on Binder" in getattr(o, "data", "") for o in shown)
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    shown.clear()
    new_page("availability").header()
    notices = [o.data for o in shown if "on Binder" in getattr(o, "data", "")]
    assert len(notices) == 1 and "download your journal file" in notices[0]


def test_the_file_button_checks_again_what_the_browser_sends():
    from widgets.controls import FileButton

    got = []
    button = FileButton(
        "Load", what="a course journal", max_bytes=10, on_files=lambda f, r: got.append((f, r))
    )
    state = button.get_state()
    assert state["max_bytes"] == 10 and state["description"] == "Load"
    assert "too large to be a course journal" in state["too_large"]
    # A browser claiming a small file but sending a large one: refused here too.
    claim = {"kind": "files", "files": [{"name": "a.json", "size": 1}]}
    button._message(button, claim, [b"x" * 11])
    assert got[-1] == ([], ["a.json"])
    # Buffers that do not match the files described, or a message of another kind: ignored.
    button._message(button, {"kind": "files", "files": []}, [b"x"])
    button._message(button, {"kind": "run", "code": "import os"}, [])
    button._message(button, "not even a dict", None)
    assert len(got) == 1
    # Names are shown as text: cut short, with unprintable characters replaced.
    button.receive([("bad\x00name\n.json", b"{}")])
    assert got[-1] == ([{"name": "bad?name?.json", "content": b"{}"}], [])


def test_a_nested_journal_file_changes_nothing_and_says_why(journal_file):
    page = new_page("privacy")
    panel = JournalFilePanel(page.session)
    panel.upload.receive([("deep.json", b"[" * 5000 + b"]" * 5000)])
    assert "nested far too deeply" in panel.result.value
    assert "Nothing was changed." in panel.result.value
    assert len(page.session.journal) == 0


def test_the_course_widgets_speak_anywidgets_protocol_with_its_own_version_range():
    import anywidget

    from widgets.controls.copy import CopyButton
    from widgets.pages.reflection import ReflectionStage

    button = CopyButton("the text")
    reference = anywidget.AnyWidget
    for trait in ("_model_name", "_model_module", "_view_name", "_view_module"):
        assert getattr(button, trait) == reference.class_traits()[trait].default_value
    assert (
        button._model_module_version
        == reference.class_traits()["_model_module_version"].default_value
    )
    assert button._anywidget_id == "widgets.controls.copy.CopyButton"
    assert "navigator.clipboard" in button._esm
    state = button.get_state()
    assert state["_esm"] == button._esm and state["_model_name"] == "AnyModel"
    # The script is a trait of the class, declared once: making a widget makes no new class.
    assert "_esm" in CopyButton.class_trait_names(sync=True)
    assert type(CopyButton("another")) is CopyButton
    assert "_esm" in ReflectionStage.class_trait_names(sync=True)


def test_where_the_server_serves_scripts_a_widget_carries_an_import_not_the_script(monkeypatch):
    from widgets.controls.copy import CopyButton
    from widgets.controls.scripts import SCRIPTS_ENV, served_script
    from widgets.pages.reflection import ReflectionStage

    whole = CopyButton("the text")._esm
    monkeypatch.setenv(SCRIPTS_ENV, "/user/a-learner/secure-base/scripts/")
    button = CopyButton("the text")
    assert button.get_state()["_esm"] == button._esm and len(button._esm) < 300
    address = re.search(r'new URL\("([^"]+)", location\.href\)', button._esm)
    assert address and address.group(1).startswith("/user/a-learner/secure-base/scripts/")
    assert "export default (await import(" in button._esm
    # What the route serves at that address is the whole script, current.
    found = served_script(address.group(1).removeprefix("/user/a-learner/secure-base/scripts/"))
    assert found is not None and found.current and found.text == whole
    # A component's script is its shared part and its own, served as one.
    stage_script = ReflectionStage.class_traits()["_esm"].default_value
    assert "pages/component.js,pages/reflection.js" in ReflectionStage._esm_for_page(None)
    assert "function render" in stage_script and len(stage_script) > 5000
    monkeypatch.delenv(SCRIPTS_ENV)
    assert CopyButton("the text")._esm == whole


def test_the_scripts_route_serves_the_course_s_scripts_and_nothing_else():
    from widgets.controls.scripts import script, served_script

    assert served_script("0123/pages/component.js") == served_script("x/pages/component.js")
    for tail in (
        "",
        "0123",
        "0123/",
        "0123/pages/",
        "0123/pages/component.py",
        "0123/pages/../server/settings.js",
        "0123/pages/Component.js",
        "0123/site/static/runtime.js",
        "0123/pages/no_such.js",
        "0123/pages/component.js,",
    ):
        assert served_script(tail) is None, tail
    with pytest.raises(ValueError, match="not a script of the course"):
        script("../settings.js")


def test_a_page_loads_only_what_it_needs(tmp_path):
    """A page's kernel imports neither anywidget's Python half (and its file watcher) nor what
    only a save, a changed content file or the command line needs."""
    import subprocess
    import sys

    unneeded = (
        "anywidget",
        "psygnal",
        "filelock",
        "tomllib",
        "statistics",
        "email.feedparser",
        "widgets.server.helm",
    )
    code = (
        "import sys\nfrom widgets.pages import course_page\npage = course_page('availability')\n"
        "page.assess()\npage.reflect('general')\npage.scenarios()\npage.action_form()\n"
        f"print(sorted(m for m in {unneeded!r} if m in sys.modules))"
    )
    env = {
        **os.environ,
        "SECURE_BASE_JOURNAL": str(tmp_path / "journal.json"),
        "SECURE_BASE_CACHE": str(tmp_path / "cache"),
    }
    saved = FileStore(tmp_path / "journal.json")
    journal, _ = saved.load()
    journal.set_reflection("availability.general.g1", "Written last week")
    saved.save(journal)
    # The first page fills the parsed-content cache; every later page reads from it.
    for visit in ("first", "later"):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        if visit == "later":
            assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_page_s_kernel_writes_none_of_its_cells_to_ipython_s_history(tmp_path):
    """Voilà asks for store_history=False but nbclient never receives it (the value lands on
    execution_count), so the page itself keeps its cells out of the history database."""
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:

        def run(code: str) -> str:
            out: list[str] = []

            def collect(msg: dict) -> None:
                if msg["msg_type"] == "stream":
                    out.append(msg["content"]["text"])

            client.execute_interactive(code, store_history=True, output_hook=collect, timeout=60)
            return "".join(out).strip()

        count = (
            "hm = get_ipython().history_manager; hm.writeout_cache(); print(hm.enabled, "
            "hm.db.execute('select count(*) from history where session=?', "
            "(hm.session_number,)).fetchone()[0])"
        )
        assert run("x = 1") == ""
        # As any kernel does: each cell is written, this one too (it is stored as it starts).
        assert run(count) == "True 2"
        run("from widgets.server.kernel import guard_kernel\nguard_kernel()")
        # The guarding cell itself was queued as it started; IPython's saving thread may or may
        # not have written it before the guard turned history off, so it counts 2 or 3.
        guarded = run(count)
        assert guarded in ("False 2", "False 3")
        for cell in ("page = 'opened'", "page = 'drawn'"):
            run(cell)
        # Nothing after the guard is written: not the page's cells, not the counting cell.
        assert run(count) == guarded
        pages = (
            "print(hm.db.execute(\"select count(*) from history where source like 'page =%'\")"
            ".fetchone()[0])"
        )
        assert run(pages) == "0"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
