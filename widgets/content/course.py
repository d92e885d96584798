"""Reading the course: ``course.toml``, ``prompts/<domain>.toml`` and
``statements/<domain>.toml`` beside this module, checked against the schema and against each
other (a prompt's domain and stage, a module's domain, unique ids), once per process, and
kept as checked for the next process while none of its files has changed.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from .model import (
    KEY,
    MAX_PROMPT_WORDS,
    MODULE_FILE,
    PROMPT_ID,
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
from .schema import ContentError, build, kept_checked, read_toml, table_list, unique

__all__ = ["content_root", "load_course", "parse_course"]


def _validate_prompt(prompt: Prompt, course: Course, where: str) -> None:
    domain, stage, _slug = prompt.id.split(".") if PROMPT_ID.match(prompt.id) else ("", "", "")
    if not domain:
        raise ContentError(f"{where}.id: {prompt.id!r} is not <domain>.<stage>.<slug>")
    if domain != prompt.domain:
        raise ContentError(f"{where}.id: {prompt.id!r} is in the file for {prompt.domain!r}")
    if stage != prompt.stage:
        raise ContentError(f"{where}.id: {prompt.id!r} does not match its stage {prompt.stage!r}")
    if prompt.stage not in {s.key for s in course.stages}:
        raise ContentError(f"{where}.stage: no stage {prompt.stage!r}")
    if not prompt.source:
        raise ContentError(f"{where}.source: names no source item")
    for item in prompt.source:
        if not SOURCE_ID.match(item):
            raise ContentError(f"{where}.source: {item!r} is not a source item id")
        item_domain, item_stage, _n = item.split(".")
        if item_domain not in {d.key for d in course.domains}:
            raise ContentError(f"{where}.source: {item!r} names no known domain")
        if item_stage not in {s.key for s in course.stages}:
            raise ContentError(f"{where}.source: {item!r} names no known stage")
    if not prompt.text.endswith("?"):
        raise ContentError(f"{where}.text: a prompt is a question and ends with '?'")
    if len(prompt.text.split()) > MAX_PROMPT_WORDS:
        raise ContentError(f"{where}.text: longer than {MAX_PROMPT_WORDS} words")


def parse_course(root: Path) -> Course:
    """Read and validate the course content under ``root``; raise :class:`ContentError`."""
    raw = read_toml(root / "course.toml")
    where = "course.toml"
    for key in ("title", "subtitle"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ContentError(f"{where}: missing key {key!r}")
    known = {"title", "subtitle", "source", "references", "stages", "domains", "modules", "scale"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ContentError(f"{where}: unknown key(s) {', '.join(unknown)}")
    course = Course(
        title=raw["title"],
        subtitle=raw["subtitle"],
        source=build(Source, raw.get("source"), f"{where} [source]"),
        references=tuple(
            build(Reference, r, f"{where} references[{i}]")
            for i, r in enumerate(table_list(raw, "references", where))
        ),
        stages=tuple(
            build(Stage, s, f"{where} stages[{i}]")
            for i, s in enumerate(table_list(raw, "stages", where))
        ),
        domains=tuple(
            build(Domain, d, f"{where} domains[{i}]")
            for i, d in enumerate(table_list(raw, "domains", where))
        ),
        modules=tuple(
            build(Module, m, f"{where} modules[{i}]")
            for i, m in enumerate(table_list(raw, "modules", where))
        ),
    )
    for what, keys in (
        ("stage", [s.key for s in course.stages]),
        ("domain", [d.key for d in course.domains]),
        ("module", [m.key for m in course.modules]),
        ("module file", [m.file for m in course.modules]),
    ):
        unique(keys, what)
        for key in keys:
            if what != "module file" and not KEY.match(key):
                raise ContentError(f"{where}: {what} key {key!r} is not lower_snake_case")
    domain_keys = {d.key for d in course.domains}
    for module in course.modules:
        if not MODULE_FILE.match(module.file):
            raise ContentError(f"{where}: module file {module.file!r} is not NN_name.ipynb")
        if module.domain is not None and module.domain not in domain_keys:
            raise ContentError(f"{where}: module {module.key!r} names no known domain")
    for module in course.modules:
        if module.about and module.domain is not None:
            raise ContentError(f"{where}: about page {module.key!r} cannot have a domain")
    if [m.file for m in course.modules] != sorted(m.file for m in course.modules):
        raise ContentError(f"{where}: modules are not listed in the order of their files")
    missing = domain_keys - {m.domain for m in course.modules}
    if missing:
        raise ContentError(f"{where}: no module for domain(s) {', '.join(sorted(missing))}")

    prompts: list[Prompt] = []
    stage_order = {s.key: i for i, s in enumerate(course.stages)}
    for domain in course.domains:
        path = root / "prompts" / f"{domain.key}.toml"
        if not path.is_file():
            raise ContentError(f"prompts/{domain.key}.toml: missing")
        raw_prompts = read_toml(path)
        pwhere = f"prompts/{domain.key}.toml"
        if set(raw_prompts) != {"prompt"}:
            raise ContentError(f"{pwhere}: expected only [[prompt]] tables")
        read = []
        for i, rp in enumerate(table_list(raw_prompts, "prompt", pwhere)):
            here = f"{pwhere} prompt[{i}]"
            prompt = build(Prompt, rp, here, skip=("domain",))
            prompt = Prompt(**{**prompt.__dict__, "domain": domain.key})
            _validate_prompt(prompt, course, here)
            read.append(prompt)
        # Stages in course order; prompts keep their file order within a stage.
        read.sort(key=lambda p: stage_order[p.stage])
        prompts.extend(read)
    unique([p.id for p in prompts], "prompt id")
    scale = tuple(
        build(Level, lv, f"{where} scale[{i}]")
        for i, lv in enumerate(table_list(raw, "scale", where))
    )
    unique([lv.key for lv in scale], "scale level")
    scored = [lv.score for lv in scale if lv.score is not None]
    if scored != list(range(len(scored))) or len(scale) - len(scored) > 1:
        raise ContentError(f"{where}: the scale's scores run 0, 1, 2... with at most one unscored")
    course = Course(**{**course.__dict__, "prompts": tuple(prompts), "scale": scale})
    return Course(**{**course.__dict__, "statements": _read_statements(root, course)})


def _read_statements(root: Path, course: Course) -> tuple[Statement, ...]:
    """Each domain's self-assessment statements, at least one a stage, tied to real prompts."""
    found: list[Statement] = []
    stage_order = {s.key: i for i, s in enumerate(course.stages)}
    for domain in course.domains:
        path = root / "statements" / f"{domain.key}.toml"
        here = f"statements/{domain.key}.toml"
        if not path.is_file():
            raise ContentError(f"{here}: missing")
        raw = read_toml(path)
        if set(raw) != {"statement"}:
            raise ContentError(f"{here}: expected only [[statement]] tables")
        read = []
        for i, rs in enumerate(table_list(raw, "statement", here)):
            where = f"{here} statement[{i}]"
            st = build(Statement, rs, where, skip=("domain",))
            st = Statement(**{**st.__dict__, "domain": domain.key})
            parts = st.id.split(".") if PROMPT_ID.match(st.id) else []
            if parts[:2] != [domain.key, st.stage]:
                raise ContentError(f"{where}.id: {st.id!r} is not {domain.key}.{st.stage}.<slug>")
            if st.stage not in stage_order:
                raise ContentError(f"{where}.stage: no stage {st.stage!r}")
            if not st.prompts:
                raise ContentError(f"{where}.prompts: names no prompt")
            carried: set[str] = set()
            for prompt_id in st.prompts:
                try:
                    prompt = course.prompt(prompt_id)
                except KeyError:
                    raise ContentError(f"{where}.prompts: no prompt {prompt_id!r}") from None
                if (prompt.domain, prompt.stage) != (domain.key, st.stage):
                    raise ContentError(f"{where}.prompts: {prompt_id!r} is another domain or stage")
                carried.update(prompt.source)
            if not st.sources or not set(st.sources) <= carried:
                raise ContentError(f"{where}.sources: must be items its prompts carry")
            if not st.text.endswith("."):
                raise ContentError(f"{where}.text: a statement is a sentence ending with '.'")
            read.append(st)
        for stage in course.stages:
            if not any(st.stage == stage.key for st in read):
                raise ContentError(f"{here}: no statement for the stage {stage.key!r}")
        read.sort(key=lambda st: stage_order[st.stage])
        found.extend(read)
    unique([st.id for st in found], "statement id")
    return tuple(found)


def content_root() -> Path:
    return Path(str(resources.files(__package__ or __name__)))


def course_files(root: Path) -> list[Path]:
    """The files the course is read from and checked by: its content and the code that checks
    it (see :func:`~.schema.kept_checked`)."""
    from . import model, schema

    return [
        root / "course.toml",
        *sorted((root / "prompts").glob("*.toml")),
        *sorted((root / "statements").glob("*.toml")),
        Path(__file__),
        Path(model.__file__),
        Path(schema.__file__),
    ]


@cache
def load_course() -> Course:
    """The course, read and validated once per process; a later process whose files are all
    unchanged takes it as it was checked (:func:`~.schema.kept_checked`)."""
    root = content_root()
    return kept_checked("course", course_files(root), Course, lambda: parse_course(root))
