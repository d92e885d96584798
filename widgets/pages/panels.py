"""The journal's own panels: download it as a web page, take the journal file away or load
one to carry on, and delete everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ipywidgets as w

from ..content import Course, load_scenarios
from ..controls import FileButton, Uploaded, download_link, size_text, status_html
from ..journal import MAX_FILE_BYTES, Journal, JournalError, Session
from ..reports.export import ExportChoice, export_filename, export_html

__all__ = ["DeletePanel", "ExportPanel", "JournalFilePanel"]

_TOO_LARGE = (
    f"That file is larger than {size_text(MAX_FILE_BYTES)}, too large to be a course journal. "
    "Nothing was changed."
)


class ExportPanel(w.VBox):
    """Tick what to include, then download the journal as one web page."""

    def __init__(self, course: Course, sess: Session, **kwargs: Any):
        self.course = course
        self._session = sess

        def tick(label: str) -> w.Checkbox:
            return w.Checkbox(value=True, description=label, indent=False)

        # In the order of the page's sections.
        self.profile_box = tick("Your team's profile")
        self.actions_box = tick("Your action plan")
        self.domain_boxes = {d.key: tick(d.title) for d in course.domains}
        self.scenarios_box = tick("Scenarios")
        self.cpd_box = tick("Your CPD record")
        self.button = w.Button(
            description="Prepare my journal to download", layout=w.Layout(width="auto")
        )
        self.button.add_class("sb-export-button")
        self.button.on_click(lambda _b: self.prepare())
        self.result = w.HTML()
        self.result.add_class("sb-export-result")
        boxes = w.VBox(
            [
                self.profile_box,
                self.actions_box,
                *self.domain_boxes.values(),
                self.scenarios_box,
                self.cpd_box,
            ]
        )
        boxes.add_class("sb-export-choices")
        intro = w.HTML("<p class='sb-export-intro'>Include:</p>")
        super().__init__([intro, boxes, self.button, self.result], **kwargs)
        self.add_class("sb-export")

    def prepare(self) -> str:
        choice = ExportChoice(
            frozenset(k for k, box in self.domain_boxes.items() if box.value),
            scenarios=self.scenarios_box.value,
            profile=self.profile_box.value,
            actions=self.actions_box.value,
            cpd=self.cpd_box.value,
        )
        if not choice.anything:
            self.result.value = status_html("Tick at least one part to include.", problem=True)
            return ""
        html = export_html(self._session.journal, self.course, load_scenarios(), choice)
        self.result.value = download_link(
            html.encode(),
            "text/html;charset=utf-8",
            export_filename(),
            "Download my journal (web page)",
        ) + status_html("Your journal is ready to download. It opens in any web browser.")
        return html


class JournalFilePanel(w.VBox):
    """Take the journal file away, or load one to carry on where you stopped."""

    def __init__(self, sess: Session, **kwargs: Any):
        self._session = sess
        self.download_button = w.Button(
            description="Prepare my journal file", layout=w.Layout(width="auto")
        )
        self.download_button.on_click(lambda _b: self.prepare())
        self.upload = FileButton(
            "Load a journal file",
            tooltip="Choose a journal file (.json) saved from this course",
            what="a course journal",
            max_bytes=MAX_FILE_BYTES,
            on_files=self._on_files,
        )
        self.result = w.HTML()
        for button in (self.download_button, self.upload):
            button.add_class("sb-file-button")
        super().__init__([w.HBox([self.download_button, self.upload]), self.result], **kwargs)
        self.add_class("sb-journal-file")

    def prepare(self) -> bytes:
        data = self._session.journal.dumps().encode()
        name = f"secure-base-journal-{datetime.now():%Y-%m-%d}.json"
        self.result.value = download_link(
            data, "application/json", name, "Download my journal file"
        ) + status_html("Your journal file is ready. Keep it somewhere private.")
        return data

    def _on_files(self, files: list[Uploaded], too_large: list[str]) -> None:
        if files:
            self.load(files[0])
        elif too_large:
            self.result.value = status_html(_TOO_LARGE, problem=True)

    def load(self, uploaded: Any) -> int | None:
        """Merge an uploaded journal file into this one; a bad file changes nothing."""
        try:
            content = bytes(uploaded["content"])
        except (TypeError, KeyError, ValueError):
            self.result.value = status_html("That upload could not be read.", problem=True)
            return None
        if len(content) > MAX_FILE_BYTES:
            self.result.value = status_html(_TOO_LARGE, problem=True)
            return None
        try:
            incoming = Journal.loads(content)
        except JournalError as exc:
            self.result.value = status_html(f"{exc} Nothing was changed.", problem=True)
            return None
        changed = self._session.journal.merge(incoming)
        try:
            self._session.save()
        except OSError as exc:
            self.result.value = status_html(
                f"The file was read, but your journal could not be saved ({exc}).", problem=True
            )
            return None
        self._session.changed()
        self.result.value = status_html(
            f"Loaded. {changed} entr{'y was' if changed == 1 else 'ies were'} added or updated; "
            "where both copies had an entry, the newer one was kept."
        )
        return changed


class DeletePanel(w.VBox):
    """Delete everything the course keeps, after the learner confirms."""

    def __init__(self, sess: Session, **kwargs: Any):
        self._session = sess
        self.confirm = w.Checkbox(
            value=False,
            description="I understand that this deletes everything I have written in the course "
            "and cannot be undone",
            indent=False,
        )
        self.button = w.Button(description="Delete everything", layout=w.Layout(width="auto"))
        self.button.add_class("sb-delete-button")
        self.button.on_click(lambda _b: self.delete())
        self.result = w.HTML()
        super().__init__([self.confirm, self.button, self.result], **kwargs)
        self.add_class("sb-delete")

    def delete(self) -> bool:
        if not self.confirm.value:
            self.result.value = status_html(
                "Tick the box to confirm first. Nothing was deleted.", problem=True
            )
            return False
        try:
            self._session.delete_everything()
        except OSError as exc:
            self.result.value = status_html(f"Could not delete the journal ({exc}).", problem=True)
            return False
        self.confirm.value = False
        self.result.value = status_html(
            "Everything has been deleted: your reflections, your scenario choices and the saved "
            "copies of your journal."
        )
        return True
