"""Voilà's page templates, compiled once per server rather than once per page.

Voilà makes a new nbconvert exporter, and with it a new Jinja environment, for every page it
serves, so every page compiles its templates afresh: about fourteen of them (the course's page,
Voilà's lab template, nbconvert's base templates and their macros). Measured with a sampling
profiler on the course's server, that was about half of the server's CPU for a page, and the
server is one process: while it compiles, every other learner's page waits.

:func:`keep_compiled_templates` gives each of those environments one shared Jinja bytecode
cache, kept in memory. Each page still gets its own environment, with its own filters and
globals, and still reads each template's source; only the compiling is skipped, for a source
whose checksum matches what was compiled. An edited template is compiled again.

The same exporter keeps the HTML of each passage of prose it has turned from Markdown, by its
text: the course's modules are the same for every learner. A passage with an image or an
attachment is drawn afresh each time, since Voilà puts the image's file into the page.
"""

from __future__ import annotations

from collections import OrderedDict
from types import CodeType
from typing import Any

from jinja2 import BytecodeCache, pass_context
from jinja2.bccache import Bucket
from jinja2.runtime import Context

__all__ = ["COMPILED", "PROSE", "CompiledTemplates", "keep_compiled_templates"]


class CompiledTemplates(BytecodeCache):
    """Compiled templates in memory: each template's code, under its name, path and checksum."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, CodeType]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[bucket.key] = (bucket.checksum, bucket.code)

    def clear(self) -> None:
        self._code.clear()

    def __len__(self) -> int:
        return len(self._code)


#: The one cache of this server process.
COMPILED = CompiledTemplates()

#: Prose turned into HTML, by its Markdown and the exporter's anchor-link text; at most
#: :data:`MAX_PASSAGES` of them, the least recently drawn going first.
PROSE: OrderedDict[tuple[str, str], str] = OrderedDict()
MAX_PASSAGES = 1024


def _has_pictures(cell: Any, source: str) -> bool:
    return bool(cell.get("attachments")) or "![" in source


def keep_compiled_templates() -> None:
    """Make the exporter Voilà draws each page with keep its compiled templates (once only)."""
    import voila.notebook_renderer as renderer

    if getattr(renderer.VoilaExporter, "keeps_compiled_templates", False):
        return

    class CourseExporter(renderer.VoilaExporter):
        """Voilà's exporter, its Jinja environment sharing the server's compiled templates."""

        keeps_compiled_templates = True

        def _create_environment(self) -> Any:
            environment = super()._create_environment()
            environment.bytecode_cache = COMPILED
            return environment

        @pass_context
        def markdown2html(self, context: Context, source: str) -> str:
            draw = super().markdown2html
            if _has_pictures(context["cell"], source):
                return str(draw(context, source))
            key = (source, str(self.anchor_link_text))
            html = PROSE.get(key)
            if html is None:
                html = PROSE[key] = str(draw(context, source))
                if len(PROSE) > MAX_PASSAGES:
                    PROSE.popitem(last=False)
            else:
                PROSE.move_to_end(key)
            return html

    renderer.VoilaExporter = CourseExporter
