"""The five domain notebooks, written from one template and the content files.

Every domain module has the same sections in the same order. The words shared by all five (the
section headings, the introductions to the self-assessment, the scenarios and "your next step")
are in ``domain_module.toml``; the stage headings are the stages' titles in ``course.toml``; each
domain's own words are in ``lessons/<domain>.toml``. :func:`domain_notebook` puts them together,
and ``python -m widgets.content.notebooks [FOLDER]`` writes the notebooks (``course/`` by
default). The notebooks are generated: edit the content files, then run the command; a test
checks that the committed notebooks are exactly what it writes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .course import content_root, load_course
from .model import Course, Module
from .schema import ContentError, build, read_toml

__all__ = ["DomainModuleText", "Lesson", "domain_notebook", "notebook_json", "write_notebooks"]


@dataclass(frozen=True)
class DomainModuleText:
    """The words every domain module shares: its section headings and three introductions."""

    meaning_heading: str
    online_heading: str
    assessment_heading: str
    assessment_intro: str
    scenarios_heading: str
    scenarios_intro: str
    next_step_heading: str
    next_step_intro: str
    closing_heading: str


@dataclass(frozen=True)
class StageIntros:
    """A domain's introduction to each stage's prompts."""

    general: str
    fine_tuning: str
    sustaining: str
    practical: str


@dataclass(frozen=True)
class Lesson:
    """One domain's own words: what it means, why online working changes it, each stage's
    introduction, and how the module closes."""

    meaning: str
    online: str
    stages: StageIntros
    closing: str


def shared_text(root: Path | None = None) -> DomainModuleText:
    root = root or content_root()
    return build(DomainModuleText, read_toml(root / "domain_module.toml"), "domain_module.toml")


def lesson(domain: str, root: Path | None = None) -> Lesson:
    root = root or content_root()
    where = f"lessons/{domain}.toml"
    path = root / "lessons" / f"{domain}.toml"
    if not path.is_file():
        raise ContentError(f"{where}: missing")
    return build(Lesson, read_toml(path), where)


def _markdown(heading: str, text: str) -> tuple[str, str]:
    return ("markdown", f"## {heading}\n\n{text}")


def domain_notebook(course: Course, module: Module, root: Path | None = None) -> dict[str, Any]:
    """The notebook of one domain module, as nbformat 4 JSON data."""
    if module.domain is None:
        raise ValueError(f"module {module.key!r} teaches no domain")
    shared = shared_text(root)
    own = lesson(module.domain, root)
    stage_intros = {
        "general": own.stages.general,
        "fine_tuning": own.stages.fine_tuning,
        "sustaining": own.stages.sustaining,
        "practical": own.stages.practical,
    }
    if set(stage_intros) != {s.key for s in course.stages}:
        raise ContentError("lessons: the stages of a lesson are not the course's stages")
    cells: list[tuple[str, str]] = [
        ("code", f'from widgets.pages import course_page\n\npage = course_page("{module.key}")'),
        _markdown(shared.meaning_heading, own.meaning),
        _markdown(shared.online_heading, own.online),
        _markdown(shared.assessment_heading, shared.assessment_intro),
        ("code", "page.assess()"),
    ]
    for stage in course.stages:
        # The heading is the stage's title: the self-assessment's reading links to it.
        cells.append(_markdown(stage.title, stage_intros[stage.key]))
        cells.append(("code", f'page.reflect("{stage.key}")'))
    cells += [
        _markdown(shared.scenarios_heading, shared.scenarios_intro),
        ("code", "page.scenarios()"),
        _markdown(shared.next_step_heading, shared.next_step_intro),
        ("code", "page.action_form()"),
        _markdown(shared.closing_heading, own.closing),
        ("code", "page.footer()"),
    ]
    return {
        "cells": [_cell(kind, source, i) for i, (kind, source) in enumerate(cells)],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "title": f"{module.title} · {course.title}",
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _cell(kind: str, source: str, index: int) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": f"c{index:02d}",
        "metadata": {},
        "source": source.splitlines(keepends=True),
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook_json(notebook: dict[str, Any]) -> str:
    """The notebook as nbformat writes it: sorted keys, one space of indent, a final newline."""
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def write_notebooks(folder: Path, course: Course | None = None) -> list[Path]:
    """Write every domain module's notebook into ``folder``; return the files written."""
    course = course or load_course()
    written = []
    for module in course.modules:
        if module.domain is None:
            continue
        path = folder / module.file
        path.write_text(notebook_json(domain_notebook(course, module)), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "course"
    for path in write_notebooks(folder):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
