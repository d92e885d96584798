"""The module notebooks: committed clean, thin, and in step with the course's module list."""

import json
import re
from pathlib import Path

import pytest

from widgets.content import load_course
from widgets.server import course_dir

COURSE = Path(__file__).resolve().parent.parent / "course"
NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))
ALLOWED_METADATA = {"kernelspec", "language_info", "title"}


def test_the_notebooks_are_the_modules_of_the_course():
    assert [p.name for p in NOTEBOOKS] == [m.file for m in load_course().modules]


def test_the_checkout_course_is_the_one_served():
    assert course_dir() == COURSE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_or_volatile_metadata(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert set(nb["metadata"]) <= ALLOWED_METADATA, "notebook metadata beyond the kernel"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    course = load_course()
    module = next(m for m in course.modules if m.file == path.name)
    expected = course.title if module.key == "welcome" else f"{module.title} · {course.title}"
    assert nb["metadata"]["title"] == expected, "the page title Voilà shows"
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) == set(), f"cell {cell.get('id')} has metadata"
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {cell['id']} has outputs"
            assert cell["execution_count"] is None, f"cell {cell['id']} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_thin_prose_and_a_few_widget_calls(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    module = next(m for m in load_course().modules if m.file == path.name)
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    opening = "from widgets.pages import course_page\n"
    if module.key == "share":
        # The share page's panel belongs to the workshop, a layer above the learner pages.
        opening += "from widgets.workshop import share_panel\n"
    assert code[0] == f'{opening}\npage = course_page("{module.key}")'
    assert code[-1] == "page.footer()"
    for source in code[1:]:
        assert "\n" not in source, source
        assert source.startswith("page.") or source == "share_panel(page)", source
    if module.domain:
        stages = [s.key for s in load_course().stages]
        assert [s for s in code if s.startswith("page.reflect")] == [
            f'page.reflect("{k}")' for k in stages
        ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_learner_facing_text_has_no_placeholders(path):
    text = path.read_text(encoding="utf-8").lower()
    for word in ("todo", "lorem", "ipsum", "fixme", "tbd", "xxx"):
        assert word not in text, word


def _syllables(word: str) -> int:
    word = word.lower().strip("'’")
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def reading_grade(text: str) -> float:
    """The Flesch-Kincaid grade of a text (a US school grade; add five for a reading age)."""
    sentences = max(1, len(re.findall(r"[.!?:]+(?:\s|$)", text)))
    words = re.findall(r"[A-Za-z’']+", text)
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


INSTRUCTIONS = (
    "## How to use this course",
    "## What happens to what you write",
    "## Scenarios from practice",
    "## Scenarios you have played",
    "## Take your journal with you",
    "## Take everything with you",
    "## Delete everything",
    "## How long it is kept",
    "## How your team is doing now",
    "## Your team's profile",
    "## Your next step",
    "## Your action plan",
)


def test_instructions_are_in_plain_language():
    found = 0
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and source.startswith(INSTRUCTIONS):
                found += 1
                grade = reading_grade(source.split("\n", 1)[1])
                assert grade <= 9, f"{path.name}: {source[:40]!r} reads at grade {grade:.1f}"
    assert found >= 8
    assert reading_grade("Write your reflection here. It is saved as you type.") <= 9


def test_the_reading_grade_measure_tells_plain_from_dense():
    plain = "Write what you think. It is saved as you type. You can come back later."
    dense = (
        "Organisational considerations regarding interprofessional communication necessitate "
        "comprehensive institutional accountability mechanisms."
    )
    assert reading_grade(plain) < 6 < 14 < reading_grade(dense)


TRAINER = sorted((COURSE.parent / "widgets" / "trainer").glob("*.ipynb"))


@pytest.mark.parametrize("path", TRAINER, ids=lambda p: p.name)
def test_trainer_notebooks_are_committed_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert set(nb["metadata"]) <= ALLOWED_METADATA
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"slideshow"}, cell.get("id")
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    text = path.read_text(encoding="utf-8").lower()
    assert not re.search(r"\b(todo|lorem|ipsum|fixme|tbd)\b", text)


DOMAIN_MODULES = [m for m in load_course().modules if m.domain]


@pytest.mark.parametrize("module", DOMAIN_MODULES, ids=lambda m: m.key)
def test_each_domain_notebook_is_exactly_what_the_generator_writes(module):
    """One source per lesson: the domain notebooks are written from the content files."""
    from widgets.content.notebooks import domain_notebook, notebook_json

    committed = (COURSE / module.file).read_text(encoding="utf-8")
    generated = notebook_json(domain_notebook(load_course(), module))
    assert committed == generated, (
        f"{module.file} differs from its content files: edit widgets/content/lessons/ or "
        "domain_module.toml, then run `python -m widgets.content.notebooks`"
    )


def test_the_generator_writes_every_domain_notebook_and_nothing_else(tmp_path):
    from widgets.content.notebooks import write_notebooks

    written = write_notebooks(tmp_path)
    assert sorted(p.name for p in written) == sorted(m.file for m in DOMAIN_MODULES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(m.file for m in DOMAIN_MODULES)


def test_the_shared_texts_are_written_once_in_the_content():
    """The self-assessment, scenarios and next-step introductions live in one file only."""
    from widgets.content import content_root
    from widgets.content.notebooks import shared_text

    shared = shared_text()
    for text in (shared.assessment_intro, shared.scenarios_intro, shared.next_step_intro):
        holders = [
            p.name for p in content_root().rglob("*.toml") if text in p.read_text(encoding="utf-8")
        ]
        assert holders == ["domain_module.toml"]
        for module in DOMAIN_MODULES:
            nb = json.loads((COURSE / module.file).read_text(encoding="utf-8"))
            assert any(text in "".join(c["source"]) for c in nb["cells"])


@pytest.fixture(scope="module")
def rendered_headings():
    """The heading anchors of each domain module as nbconvert (and so Voilà) renders them."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    found = {}
    for module in DOMAIN_MODULES:
        nb = nbformat.read(COURSE / module.file, as_version=4)
        html, _ = exporter.from_notebook_node(nb)
        found[module.key] = set(re.findall(r'<h[1-6][^>]* id="([^"]+)"', html))
    return found


@pytest.mark.parametrize("module", DOMAIN_MODULES, ids=lambda m: m.key)
def test_the_reading_links_to_headings_the_page_has(module, rendered_headings):
    from widgets.reports.reading import reading_html

    course = load_course()
    statements = course.statements_for(module.domain)
    # Every statement rated in turn as the lowest, so that every stage's prompts are linked.
    targets = set()
    for low in statements:
        answers = {s.id: ("not_yet" if s is low else "established") for s in statements}
        targets |= set(re.findall(r'href="#([^"]+)"', reading_html(module.domain, answers, course)))
    # Each stage's section is linked from some reading.
    assert len(targets) == len(course.stages)
    missing = targets - rendered_headings[module.key]
    assert not missing, f"the reading links to headings {module.file} does not have: {missing}"
