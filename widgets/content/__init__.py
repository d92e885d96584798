"""The course's content as data: loaded and validated here, and nowhere else.

Everything the code needs to know about the model (domains, stages), the modules and the
reflective prompts lives in TOML files beside this module. :func:`load_course` reads them,
checks them against the schema below and returns frozen, typed objects. Notebooks, widgets
and exports read the course from here; they never copy its text.

The schema is the set of dataclasses in this module: each declares its fields, and
:func:`_build` refuses missing keys, unknown keys and values of the wrong type, naming the
file and the place in it. Cross-references (a prompt's domain and stage, a module's domain,
unique ids) are checked once everything is read.
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = [
    "ContentError",
    "Course",
    "Domain",
    "Module",
    "Prompt",
    "Reference",
    "Source",
    "Stage",
    "load_course",
]

#: A source item id in the published tool: ``<domain>.<stage>.<n>``.
SOURCE_ID = re.compile(r"^[a-z_]+\.[a-z_]+\.[1-9][0-9]*$")
#: A course prompt id: ``<domain>.<stage>.<kebab-case-slug>``.
PROMPT_ID = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY = re.compile(r"^[a-z][a-z_]*$")
MODULE_FILE = re.compile(r"^[0-9]{2}_[a-z_]+\.ipynb$")
MAX_PROMPT_WORDS = 60


class ContentError(ValueError):
    """The course content does not match its schema."""


def find(items: typing.Iterable[typing.Any], attribute: str, value: str, what: str) -> typing.Any:
    """The item whose ``attribute`` is ``value``; KeyError naming what was looked for."""
    for item in items:
        if getattr(item, attribute) == value:
            return item
    raise KeyError(f"no {what} {value!r}")


@dataclass(frozen=True)
class Source:
    title: str
    kind: str
    authors: tuple[str, ...]
    institution: str
    programme: str
    funder: str
    url: str

    @property
    def by(self) -> str:
        """The authors as a sentence names them: "A, B and C"."""
        return _in_a_sentence(self.authors)

    @property
    def surnames(self) -> str:
        """The authors' surnames, for a short credit: "A, B and C"."""
        return _in_a_sentence([a.split()[-1] for a in self.authors])


def _in_a_sentence(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Reference:
    key: str
    citation: str
    doi: str

    @property
    def url(self) -> str:
        return f"https://doi.org/{self.doi}"


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    question: str


@dataclass(frozen=True)
class Domain:
    key: str
    title: str
    belief: str
    meaning: str


@dataclass(frozen=True)
class Module:
    key: str
    file: str
    title: str
    domain: str | None = None
    #: A page about the course (such as its accessibility statement), outside the sequence of
    #: modules: listed under the contents, never counted or stepped through.
    about: bool = False


@dataclass(frozen=True)
class Prompt:
    id: str
    stage: str
    source: tuple[str, ...]
    text: str
    nudge: str | None = None
    #: Filled from the file the prompt is read from, not written in it.
    domain: str = ""


@dataclass(frozen=True)
class Level:
    """One point of the self-assessment scale."""

    key: str
    label: str
    #: 0 ("not yet") to 4 ("well established"); "not sure / not applicable" has none.
    score: int | None = None


@dataclass(frozen=True)
class Statement:
    """A self-assessment statement: a team practice the learner rates, tied to its prompts."""

    id: str
    stage: str
    text: str
    prompts: tuple[str, ...]
    sources: tuple[str, ...]
    domain: str = ""


@dataclass(frozen=True)
class Course:
    title: str
    subtitle: str
    source: Source
    references: tuple[Reference, ...]
    stages: tuple[Stage, ...]
    domains: tuple[Domain, ...]
    modules: tuple[Module, ...]
    prompts: tuple[Prompt, ...] = field(default=())
    scale: tuple[Level, ...] = field(default=())
    statements: tuple[Statement, ...] = field(default=())

    def statements_for(self, domain: str, stage: str | None = None) -> tuple[Statement, ...]:
        return tuple(
            s for s in self.statements if s.domain == domain and (stage is None or s.stage == stage)
        )

    def level(self, key: str) -> Level:
        return find(self.scale, "key", key, "level")

    def domain(self, key: str) -> Domain:
        return find(self.domains, "key", key, "domain")

    def stage(self, key: str) -> Stage:
        return find(self.stages, "key", key, "stage")

    @property
    def sequence(self) -> tuple[Module, ...]:
        """The modules a learner steps through, in order (about pages left out)."""
        return tuple(m for m in self.modules if not m.about)

    def module(self, key: str) -> Module:
        return find(self.modules, "key", key, "module")

    def module_for(self, domain: str) -> Module:
        """The module that teaches a domain."""
        return find(self.modules, "domain", domain, "module for the domain")

    def prompt(self, prompt_id: str) -> Prompt:
        return find(self.prompts, "id", prompt_id, "prompt")

    def prompts_for(self, domain: str, stage: str | None = None) -> tuple[Prompt, ...]:
        """The prompts of a domain (and stage), in course order."""
        return tuple(
            p for p in self.prompts if p.domain == domain and (stage is None or p.stage == stage)
        )

    def source_ids(self) -> frozenset[str]:
        """Every source item id some prompt carries."""
        return frozenset(s for p in self.prompts for s in p.source)


def _check_value(value: object, annotation: object, where: str) -> object:
    """Check one value against a field's annotation; return it converted (lists to tuples)."""
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        (inner,) = [a for a in options if a is not type(None)]
        return _check_value(value, inner, where)
    if origin is tuple:
        inner = typing.get_args(annotation)[0]
        if not isinstance(value, list):
            raise ContentError(f"{where}: expected a list, found {type(value).__name__}")
        return tuple(_check_value(v, inner, f"{where}[{i}]") for i, v in enumerate(value))
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ContentError(f"{where}: expected a whole number, found {type(value).__name__}")
        return value
    if annotation is bool:
        if not isinstance(value, bool):
            raise ContentError(f"{where}: expected true or false, found {type(value).__name__}")
        return value
    if annotation is str:
        if not isinstance(value, str):
            raise ContentError(f"{where}: expected text, found {type(value).__name__}")
        if not value.strip():
            raise ContentError(f"{where}: must not be empty")
        if value != value.strip():
            raise ContentError(f"{where}: has spaces at its start or end")
        return value
    raise TypeError(f"unsupported annotation {annotation!r}")  # pragma: no cover


@cache
def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)


def _build(cls: type, raw: object, where: str, *, skip: tuple[str, ...] = ()) -> typing.Any:
    """Build a frozen dataclass from a TOML table, refusing anything off-schema."""
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected a table, found {type(raw).__name__}")
    hints = _hints(cls)
    known = {f.name: f for f in fields(cls) if f.name not in skip}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ContentError(f"{where}: unknown key(s) {', '.join(unknown)}")
    values = {}
    for name, f in known.items():
        if name not in raw:
            if f.default is not MISSING:
                continue
            raise ContentError(f"{where}: missing key {name!r}")
        values[name] = _check_value(raw[name], hints[name], f"{where}.{name}")
    return cls(**values)


def _read(path: Path, error: type[ContentError] = ContentError) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path.name}: not valid TOML ({exc})") from None


def _table_list(raw: dict, key: str, where: str) -> list:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise ContentError(f"{where}: needs at least one [[{key}]] table")
    return value


def _unique(items: typing.Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ContentError(f"{what} {item!r} appears more than once")
        seen.add(item)


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
    raw = _read(root / "course.toml")
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
        source=_build(Source, raw.get("source"), f"{where} [source]"),
        references=tuple(
            _build(Reference, r, f"{where} references[{i}]")
            for i, r in enumerate(_table_list(raw, "references", where))
        ),
        stages=tuple(
            _build(Stage, s, f"{where} stages[{i}]")
            for i, s in enumerate(_table_list(raw, "stages", where))
        ),
        domains=tuple(
            _build(Domain, d, f"{where} domains[{i}]")
            for i, d in enumerate(_table_list(raw, "domains", where))
        ),
        modules=tuple(
            _build(Module, m, f"{where} modules[{i}]")
            for i, m in enumerate(_table_list(raw, "modules", where))
        ),
    )
    for what, keys in (
        ("stage", [s.key for s in course.stages]),
        ("domain", [d.key for d in course.domains]),
        ("module", [m.key for m in course.modules]),
        ("module file", [m.file for m in course.modules]),
    ):
        _unique(keys, what)
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
        raw_prompts = _read(path)
        pwhere = f"prompts/{domain.key}.toml"
        if set(raw_prompts) != {"prompt"}:
            raise ContentError(f"{pwhere}: expected only [[prompt]] tables")
        read = []
        for i, rp in enumerate(_table_list(raw_prompts, "prompt", pwhere)):
            here = f"{pwhere} prompt[{i}]"
            prompt = _build(Prompt, rp, here, skip=("domain",))
            prompt = Prompt(**{**prompt.__dict__, "domain": domain.key})
            _validate_prompt(prompt, course, here)
            read.append(prompt)
        # Stages in course order; prompts keep their file order within a stage.
        read.sort(key=lambda p: stage_order[p.stage])
        prompts.extend(read)
    _unique([p.id for p in prompts], "prompt id")
    scale = tuple(
        _build(Level, lv, f"{where} scale[{i}]")
        for i, lv in enumerate(_table_list(raw, "scale", where))
    )
    _unique([lv.key for lv in scale], "scale level")
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
        raw = _read(path)
        if set(raw) != {"statement"}:
            raise ContentError(f"{here}: expected only [[statement]] tables")
        read = []
        for i, rs in enumerate(_table_list(raw, "statement", here)):
            where = f"{here} statement[{i}]"
            st = _build(Statement, rs, where, skip=("domain",))
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
    _unique([st.id for st in found], "statement id")
    return tuple(found)


def content_root() -> Path:
    return Path(str(resources.files(__name__)))


@cache
def load_course() -> Course:
    """The course, read once per process and validated."""
    return parse_course(content_root())
