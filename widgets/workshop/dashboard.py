"""The trainer's dashboard: the room's picture, live, and never a single learner's answers.

Every cell of the 5 × 4 grid shows how many people chose each level, once at least the cohort's
minimum number of people (5 by default) have rated it; below that it shows nothing but the fact.
The same picture goes into the summary the trainer exports. Notes are escaped wherever they are
shown, and a trainer can hide one (from the projector) and show it again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as w

from .. import __version__
from ..content import Course, Prompt, Scenario, load_course, load_scenarios
from ..controls import (
    FileButton,
    Uploaded,
    download_link,
    long_date_time,
    size_text,
    status_html,
)
from ..reports.templates import template_environment
from ..server import template_file
from ..server.kernel import guard_kernel
from .cohort import (
    COHORT_ENV,
    DEFAULT_MIN_ANSWERS,
    MAX_SHARE_FILE_BYTES,
    MIN_ANSWERS_ENV,
    ROLE_ENV,
    STORE_PROBLEMS,
    CellSummary,
    CohortError,
    CohortStore,
    Summary,
    check_min_answers,
)

#: How often the dashboard looks for new shares, in seconds.
REFRESH_SECONDS = 5.0
#: The most share files taken in one go (each is at most 16 KB, so one message stays small).
MAX_SHARE_FILES_AT_ONCE = 200
LOG = logging.getLogger(__name__)
#: Set by Voilà in the environment of every kernel it starts for a page.
VOILA_ENV = "VOILA_REQUEST_URL"
TEMPLATES = Path(__file__).resolve().parent / "templates"
LEVEL_SHORT = ("Not yet", "Beginning", "Partly", "Mostly", "Well established")
#: One colour per level, light to dark, each with a pattern so colour is never the only cue.
LEVEL_FILL = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")


@cache
def trainer_css() -> str:
    """The trainer's stylesheet: the grid (on the dashboard and in the summary) and the rest."""
    return template_file("static/trainer.css").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Focus:
    """A low cell, with where in the course the room could go next."""

    cell: CellSummary
    prompts: tuple[Prompt, ...]
    scenarios: tuple[Scenario, ...]


def focus_cells(
    summary: Summary, course: Course, scenarios: Iterable[Scenario], how_many: int = 3
) -> list[Focus]:
    found = []
    scenarios = list(scenarios)
    for cell in summary.lowest(how_many):
        fitting = tuple(
            s for s in scenarios if cell.domain in s.domains and cell.stage in s.stages
        ) or tuple(s for s in scenarios if cell.domain in s.domains)
        found.append(
            Focus(cell, tuple(course.prompts_for(cell.domain, cell.stage)[:3]), fitting[:2])
        )
    return found


def _bar(cell: CellSummary) -> str:
    parts = []
    for level, n in enumerate(cell.counts):
        if n:
            parts.append(
                f'<span class="sb-dist-{level}" style="flex:{n};background:{LEVEL_FILL[level]}">'
                "</span>"
            )
    return f'<span class="sb-dist" aria-hidden="true">{"".join(parts)}</span>'


def grid_html(summary: Summary, course: Course) -> str:
    """The cohort's 5 × 4 grid as a table: every number in text, the bars only a picture of it."""
    head = "".join(f'<th scope="col">{escape(s.title)}</th>' for s in course.stages)
    rows = []
    for domain in course.domains:
        cells = []
        for stage in course.stages:
            cell = summary.cells[(domain.key, stage.key)]
            if cell is None:
                cells.append(
                    f'<td class="sb-cell-hidden">Not shown: fewer than {summary.min_answers} '
                    "answers</td>"
                )
                continue
            counts = ", ".join(f"{LEVEL_SHORT[level]} {n}" for level, n in enumerate(cell.counts))
            cells.append(
                f'<td><span class="sb-cell-n">{cell.answers} answers, average '
                f"{cell.mean:.1f} of 4</span>{_bar(cell)}"
                f'<span class="sb-cell-counts">{escape(counts)}</span></td>'
            )
        rows.append(f'<tr><th scope="row">{escape(domain.title)}</th>{"".join(cells)}</tr>')
    return (
        '<table class="sb-cohort-grid"><caption>How the room rates its teams, by domain and '
        "stage: how many chose each level, from 0 (not yet) to 4 (well established)</caption>"
        f'<thead><tr><th scope="col">Domain</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def focus_html(focus: list[Focus], course: Course) -> str:
    if not focus:
        return (
            "<p>The places most worth the room’s time appear here once enough people have "
            "shared.</p>"
        )
    items = []
    for f in focus:
        prompts = "".join(f"<li>{escape(p.text)}</li>" for p in f.prompts)
        played = "".join(f"<li>{escape(s.title)}</li>" for s in f.scenarios)
        module = course.module_for(f.cell.domain)
        items.append(
            f"<li><h3>{escape(course.domain(f.cell.domain).title)}, "
            f"{escape(course.stage(f.cell.stage).title.lower())}: average {f.cell.mean:.1f} of 4"
            f" from {f.cell.answers} answers</h3>"
            f"<p>Prompts to discuss (module {escape(module.title)}):</p><ul>{prompts}</ul>"
            + (f"<p>Scenarios that fit:</p><ul>{played}</ul>" if played else "")
            + "</li>"
        )
    return f'<ol class="sb-focus">{"".join(items)}</ol>'


def summary_export(summary: Summary, course: Course, scenarios: Iterable[Scenario]) -> str:
    """The cohort's summary as one self-contained web page (notes the trainer hid left out)."""
    from markupsafe import Markup

    return (
        template_environment(TEMPLATES)
        .get_template("cohort.html.j2")
        .render(
            course=course,
            summary=summary,
            grid=Markup(grid_html(summary, course)),  # noqa: S704 - built from escaped parts
            focus=Markup(focus_html(focus_cells(summary, course, scenarios), course)),  # noqa: S704
            notes=[n for n in summary.notes if not n.hidden],
            grid_css=Markup(trainer_css()),  # noqa: S704 - the course's own stylesheet
            generated_on=long_date_time(datetime.now()),
            version=__version__,
        )
    )


def _file_name(upload: object, number: int) -> str:
    """An uploaded file's name as the trainer chose it, short and safe to show."""
    name = upload.get("name") if isinstance(upload, dict) else None
    if not isinstance(name, str) or not name.strip():
        return f"file {number}"
    return "".join(ch if ch.isprintable() else "?" for ch in name.strip())[:80]


class Dashboard(w.VBox):
    """What the trainer sees: the code to join, who has shared, the grid, focus and notes."""

    def __init__(
        self,
        course: Course,
        store: CohortStore,
        code: str,
        scenarios: Iterable[Scenario],
        min_answers: int = DEFAULT_MIN_ANSWERS,
        **kwargs: Any,
    ):
        self.course = course
        self.store = store
        self.code = code
        self.scenarios = list(scenarios)
        self.min_answers = check_min_answers(min_answers)
        self.summary: Summary | None = None
        self.deleted = False
        self.heading = w.HTML()
        self.grid = w.HTML()
        self.focus = w.HTML()
        self.notes = w.VBox()
        self.notes.add_class("sb-notes")
        self.status = w.HTML()
        self.status.add_class("sb-status")
        self.refresh_button = w.Button(description="Refresh now", layout=w.Layout(width="auto"))
        self.refresh_button.on_click(lambda _b: self.refresh(force=True))
        self.upload = FileButton(
            "Add share files",
            tooltip="Choose the share files (.json) your learners sent you",
            what="a share file",
            max_bytes=MAX_SHARE_FILE_BYTES,
            multiple=True,
            max_files=MAX_SHARE_FILES_AT_ONCE,
            on_files=self.add_share_files,
        )
        self.export_button = w.Button(
            description="Prepare the cohort summary", layout=w.Layout(width="auto")
        )
        self.export_button.on_click(lambda _b: self.export())
        self.export_result = w.HTML()
        self.confirm = w.Text(description="Type the cohort code to confirm")
        self.delete_button = w.Button(
            description="Delete this cohort", button_style="danger", layout=w.Layout(width="auto")
        )
        self.delete_button.on_click(lambda _b: self.delete(self.confirm.value))
        self.delete_result = w.HTML()
        self._task: asyncio.Task[None] | None = None
        super().__init__(
            [
                self.heading,
                w.HBox([self.refresh_button]),
                self.status,
                w.HTML("<h2>The room’s picture</h2>"),
                self.grid,
                w.HTML("<h2>Where to go next</h2>"),
                self.focus,
                w.HTML("<h2>Notes to the room</h2>"),
                self.notes,
                w.HTML(
                    "<h2>Share files</h2><p>Learners without the workshop link can send you a "
                    "share file from the page “Share with your workshop”. Add them here; a newer "
                    "file from the same learner replaces the older one.</p>"
                ),
                self.upload,
                w.HTML(
                    "<h2>Keep a summary, then delete the cohort</h2><p>The summary holds the "
                    "grid, where to go next and the notes you have not hidden. Deleting removes "
                    "every rating and note in this cohort for good.</p>"
                ),
                self.export_button,
                self.export_result,
                w.HBox([self.confirm, self.delete_button]),
                self.delete_result,
            ],
            **kwargs,
        )
        self.add_class("sb-dashboard")
        self.refresh(force=True)

    # -- reading -------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> bool:
        """Read the cohort again; redraw if anything changed. True if it was redrawn."""
        if self.deleted:
            return False
        try:
            summary = self.store.summary(self.code, self.min_answers)
        except CohortError as exc:
            self.status.value = status_html(str(exc), problem=True)
            return False
        except STORE_PROBLEMS:
            self.status.value = status_html(
                "The cohort's store could not be read just now; trying again.", problem=True
            )
            return False
        if summary == self.summary and not force:
            return False
        self.summary = summary
        self.draw()
        return True

    def draw(self) -> None:
        s = self.summary
        if s is None:
            return
        people = f"{s.participants} {'person has' if s.participants == 1 else 'people have'}"
        self.heading.value = (
            f"<div class='sb-cohort-head'><p class='sb-cohort-title'>{escape(s.cohort.title)}</p>"
            f"<p class='sb-cohort-code'>Cohort code: <strong>{escape(s.cohort.code)}</strong></p>"
            f"<p class='sb-cohort-count'>{people} shared their ratings. A cell is shown once "
            f"{s.min_answers} people have rated it.</p></div>"
        )
        self.grid.value = grid_html(s, self.course)
        self.focus.value = focus_html(focus_cells(s, self.course, self.scenarios), self.course)
        self._draw_notes(s)
        self.status.value = f"<span class='sb-updated'>Updated at {datetime.now():%H:%M:%S}.</span>"

    def _draw_notes(self, s: Summary) -> None:
        if not s.notes:
            self.notes.children = [w.HTML("<p>No notes yet.</p>")]
            return
        rows = []
        for number, note in enumerate(s.notes, start=1):
            if note.hidden:
                text = w.HTML(f"<p class='sb-note sb-note-hidden'>Note {number} is hidden.</p>")
                label = f"Show note {number}"
            else:
                text = w.HTML(f"<p class='sb-note'>{escape(note.text)}</p>")
                label = f"Hide note {number}"
            button = w.Button(description=label, layout=w.Layout(width="auto"))
            button.on_click(lambda _b, n=note: self.set_hidden(n.id, not n.hidden))
            row = w.HBox([text, button])
            row.add_class("sb-note-row")
            rows.append(row)
        self.notes.children = rows

    # -- actions -------------------------------------------------------------------------
    def set_hidden(self, note_id: int, hidden: bool) -> None:
        try:
            self.store.set_note_hidden(self.code, note_id, hidden)
        except STORE_PROBLEMS:
            self.status.value = status_html("The note could not be changed just now.", problem=True)
            return
        self.refresh(force=True)

    def add_share_files(
        self, files: Iterable[Uploaded], too_large: Iterable[str] = ()
    ) -> tuple[int, int, list[str]]:
        """Import uploaded share files; report how many were new, updated, and which failed.

        Each file is judged alone: one that cannot be read, or that the store cannot take, is
        named with its reason and never stops the files after it.
        """
        new = updated = 0
        # Files the browser would not send: over the size limit.
        refused = [
            f"{name}: it is larger than {size_text(MAX_SHARE_FILE_BYTES)}, too large to be a "
            "share file"
            for name in too_large
        ]
        for number, upload in enumerate(files, start=1):
            name = _file_name(upload, number)
            try:
                content = bytes(upload["content"])
                # The store's reader refuses anything too large or not a share file, saying why.
                if self.store.import_share_file(self.code, content):
                    new += 1
                else:
                    updated += 1
            except CohortError as exc:
                refused.append(f"{name}: {str(exc).rstrip('.')}")
            except STORE_PROBLEMS:
                LOG.exception("The cohort store could not take a share file")
                refused.append(f"{name}: the cohort store could not take it just now")
            except Exception:
                # Whatever else went wrong stays in the server's log, not on the projector.
                LOG.exception("A share file could not be read")
                refused.append(f"{name}: it could not be read as a share file")
        added, total = new + updated, new + updated + len(refused)
        message = (
            f"{added} of {total} file{'' if total == 1 else 's'} added "
            f"({new} new, {updated} updated)."
        )
        if refused:
            message += " Not added: " + "; ".join(refused) + "."
        # Redraw first: a redraw writes its own "Updated at" status, which would hide this one.
        try:
            self.refresh(force=True)
        finally:
            self.status.value = status_html(message, problem=bool(refused))
        return new, updated, refused

    def export(self) -> str:
        if self.summary is None:
            return ""
        html = summary_export(self.summary, self.course, self.scenarios)
        self.export_result.value = download_link(
            html.encode(),
            "text/html;charset=utf-8",
            f"secure-base-cohort-{self.code}-{datetime.now():%Y-%m-%d}.html",
            "Download the cohort summary (web page)",
        ) + status_html("The summary is ready to download.")
        return html

    def delete(self, typed: str) -> bool:
        if typed.strip().upper().replace(" ", "") != self.code:
            self.delete_result.value = status_html(
                f"Type the cohort code, {self.code}, to confirm. Nothing was deleted.", problem=True
            )
            return False
        try:
            self.store.delete_cohort(self.code)
        except (CohortError, *STORE_PROBLEMS) as exc:
            self.delete_result.value = status_html(f"Not deleted: {exc}", problem=True)
            return False
        self.deleted = True
        self.stop()
        self.heading.value = "<p class='sb-cohort-title'>This cohort has been deleted.</p>"
        self.grid.value = self.focus.value = ""
        self.notes.children = []
        self.delete_result.value = status_html(
            "The cohort and everything shared in it have been deleted."
        )
        return True

    # -- live ----------------------------------------------------------------------------
    def start(self, every: float = REFRESH_SECONDS) -> None:
        """Look for new shares every few seconds while the page is open."""

        async def loop() -> None:
            while not self.deleted:
                await asyncio.sleep(every)
                self.refresh()

        self._task = asyncio.get_event_loop().create_task(loop())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


def show_dashboard() -> w.Widget:
    """Put the dashboard on the trainer's page (the dashboard notebook calls this)."""
    from IPython.display import HTML, display

    guard_kernel()
    if not os.environ.get(VOILA_ENV):
        # Outside Voilà (whose page links the trainer's stylesheet), the page carries it.
        display(HTML(f"<style>{trainer_css()}</style>"))
    board = trainer_dashboard()
    display(board)
    return board


def trainer_dashboard(environ: dict[str, str] | None = None) -> w.Widget:
    """The dashboard for the cohort this server was started for, or why there is none."""
    environ = dict(os.environ) if environ is None else environ
    if environ.get(ROLE_ENV) != "trainer":
        return w.HTML(
            "<p class='sb-refused'>This page is the trainer’s dashboard. It opens only from the "
            "trainer’s link that <code>secure-base workshop</code> prints.</p>"
        )
    course = load_course()
    store = CohortStore.from_environment(course, environ)
    code = environ.get(COHORT_ENV)
    if store is None or not code:
        return w.HTML("<p class='sb-refused'>This server was started without a cohort.</p>")
    board = Dashboard(
        course,
        store,
        code,
        load_scenarios(),
        int(environ.get(MIN_ANSWERS_ENV, DEFAULT_MIN_ANSWERS)),
    )
    board.start()
    return board
