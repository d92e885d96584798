"""The course's content as data: loaded and validated here, and nowhere else.

Everything the code needs to know about the model (domains, stages), the modules, the
reflective prompts, the self-assessment statements and the scenario exercises lives in data
files: TOML beside this package (``course.toml``, ``prompts/``, ``statements/``) and one TOML
file a scenario in ``exercises/``. :func:`load_course` and :func:`load_scenarios` read them,
check them against the schema and return frozen, typed objects. Notebooks, pages and exports
read the course from here; they never copy its text.

- :mod:`.schema`: the strict, typed checker every content file goes through;
- :mod:`.model`: the course's types (course, stage, domain, module, prompt, statement);
- :mod:`.course`: reading and cross-checking the course;
- :mod:`.scenarios`: the scenarios' schema and the checks on every story.
"""

from __future__ import annotations

from .course import content_root, load_course, parse_course
from .model import (
    SOURCE_ID,
    Course,
    Domain,
    Level,
    Module,
    Prompt,
    Reference,
    Source,
    Stage,
    Statement,
)
from .scenarios import (
    Choice,
    Node,
    Scenario,
    ScenarioError,
    check_scenario,
    exercises_dir,
    load_scenarios,
    parse_all,
    parse_scenario,
    scenarios_for,
)
from .schema import ContentError

__all__ = [
    "SOURCE_ID",
    "Choice",
    "ContentError",
    "Course",
    "Domain",
    "Level",
    "Module",
    "Node",
    "Prompt",
    "Reference",
    "Scenario",
    "ScenarioError",
    "Source",
    "Stage",
    "Statement",
    "check_scenario",
    "content_root",
    "exercises_dir",
    "load_course",
    "load_scenarios",
    "parse_all",
    "parse_scenario",
    "scenarios_for",
    "parse_course",
]
