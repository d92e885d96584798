"""The module notebooks: committed clean, thin, and in step with the course's module list."""

import json
import re
from pathlib import Path

import pytest

from widgets.cli import course_dir
from widgets.content import load_course

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
    assert code[0] == f'from widgets import course_page\n\npage = course_page("{module.key}")'
    assert code[-1] == "page.footer()"
    for source in code[1:]:
        assert source.startswith("page.") and "\n" not in source, source
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
