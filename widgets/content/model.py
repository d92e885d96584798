"""The course's content types: the model, its stages and domains, modules, prompts and the
self-assessment. Frozen dataclasses; each field's annotation is its schema (see :mod:`.schema`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .schema import find

__all__ = [
    "Course",
    "Domain",
    "Level",
    "Module",
    "Prompt",
    "Reference",
    "Source",
    "Stage",
    "Statement",
]

#: A source item id in the published tool: ``<domain>.<stage>.<n>``.
SOURCE_ID = re.compile(r"^[a-z_]+\.[a-z_]+\.[1-9][0-9]*$")
#: A course prompt id: ``<domain>.<stage>.<kebab-case-slug>``.
PROMPT_ID = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY = re.compile(r"^[a-z][a-z_]*$")
MODULE_FILE = re.compile(r"^[0-9]{2}_[a-z_]+\.ipynb$")
MAX_PROMPT_WORDS = 60


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
