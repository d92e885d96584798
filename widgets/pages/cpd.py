"""The CPD record on the closing page: pieces of CPD drafted field by field, each field with a
button that copies it, the learner's own writing beside the fields it may help with, and the
record as a plain-text file and a printable page."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as w

from ..content import Course, load_scenarios
from ..content.cpd import CpdField, load_cpd
from ..controls import CopyButton, download_link, status_html
from ..journal import JournalError, Session
from ..reports.cpd import (
    Reminder,
    course_activity,
    cpd_filename,
    cpd_page_html,
    cpd_text,
    reminders,
)

__all__ = ["CpdEntryView", "CpdRecord"]

#: Fields short enough for one line.
SHORT = {"type", "date", "hours"}


def _reminders_html(found: list[Reminder]) -> str:
    if not found:
        return ""
    items = "".join(
        f"<li><p class='sb-cpd-source'>{escape(r.source)}</p>"
        f"<p class='sb-cpd-reminder'>{escape(r.text)}</p></li>"
        for r in found
    )
    return (
        f"<details class='sb-cpd-draw-on'><summary>From your journal, to draw on "
        f"({len(found)})</summary><p>Your own words from the course. Use them to remind "
        f"yourself; write this field in your own words.</p><ul>{items}</ul></details>"
    )


class CpdEntryView(w.VBox):
    """One piece of CPD: a labelled box and a copy button for each field."""

    def __init__(
        self,
        number: int,
        entry_id: str,
        record: dict[str, Any],
        session: Session,
        drawn: dict[str, list[Reminder]],
        on_deleted: Callable[[], None],
        **kwargs: Any,
    ):
        self.entry_id = entry_id
        self._session = session
        self._on_deleted = on_deleted
        text = load_cpd()
        self.boxes: dict[str, w.Textarea | w.Text] = {}
        self.copies: dict[str, CopyButton] = {}
        children: list[w.Widget] = [w.HTML(f"<h3 class='sb-cpd-title'>Piece of CPD {number}</h3>")]
        for field in text.field:
            children.append(self._field(field, record[field.key], drawn.get(field.key, [])))
        self.status = w.HTML(layout=w.Layout(min_height="1.5em"))
        self.status.add_class("sb-status")
        self.delete_button = w.Button(
            description=f"Delete piece of CPD {number}", layout=w.Layout(width="auto")
        )
        self._armed = False
        self.delete_button.on_click(lambda _b: self.delete())
        children += [self.delete_button, self.status]
        super().__init__(children, **kwargs)
        self.add_class("sb-cpd-entry")

    def _field(self, field: CpdField, value: str, drawn: list[Reminder]) -> w.Widget:
        kind = w.Text if field.key in SHORT else w.Textarea
        box = kind(
            value=value,
            description=field.label,
            placeholder=field.prompt,
            continuous_update=True,
        )
        box.add_class("sb-cpd-box")
        source = f"sb-cpd-{self.entry_id}-{field.key}"
        box.add_class(source)
        box.observe(lambda change, key=field.key: self._changed(key, change["new"]), "value")
        copy = CopyButton(label=f"Copy: {field.label}", text=value, source_class=source)
        self.boxes[field.key] = box
        self.copies[field.key] = copy
        parts: list[w.Widget] = []
        if field.peer:
            parts.append(w.HTML(f"<p class='sb-cpd-peer'>{escape(load_cpd().peer_intro)}</p>"))
        parts += [box, copy]
        if drawn:
            parts.append(w.HTML(_reminders_html(drawn)))
        group = w.VBox(parts)
        group.add_class("sb-cpd-field")
        return group

    def _changed(self, key: str, value: str) -> None:
        self.copies[key].text = value
        try:
            self._session.journal.update_cpd(self.entry_id, **{key: value})
            self._session.save()
        except JournalError as exc:
            self.status.value = status_html(f"Not saved. {exc}", problem=True)
        except OSError as exc:
            self.status.value = status_html(
                f"Not saved: your journal could not be written ({exc.strerror or exc}). Your "
                "text is still here; copy it somewhere safe before closing this page.",
                problem=True,
            )
        else:
            self.status.value = status_html("Saved.")

    def delete(self) -> bool:
        """Delete this piece of CPD, once the learner has pressed the button a second time."""
        if not self._armed:
            self._armed = True
            self.delete_button.description = "Press again to delete it for good"
            self.status.value = status_html(
                "This deletes this piece of CPD and everything written in it. Press the button "
                "again to delete it."
            )
            return False
        try:
            self._session.journal.delete_cpd(self.entry_id)
            self._session.save()
        except (OSError, JournalError) as exc:
            self.status.value = status_html(f"Not deleted. {exc}", problem=True)
            return False
        self._on_deleted()
        return True


class CpdRecord(w.VBox):
    """Every piece of CPD the learner has drafted, a button to start another, and downloads."""

    def __init__(self, course: Course, session: Session, **kwargs: Any):
        self.course = course
        self._session = session
        text = load_cpd()
        self.entries = w.VBox()
        self.entries.add_class("sb-cpd-entries")
        self.new_button = w.Button(
            description="Start a new piece of CPD", layout=w.Layout(width="auto")
        )
        self.new_button.on_click(lambda _b: self.start())
        self.prepare_button = w.Button(
            description="Prepare my CPD record to download", layout=w.Layout(width="auto")
        )
        self.prepare_button.on_click(lambda _b: self.prepare())
        self.result = w.HTML()
        self.result.add_class("sb-status")
        intro = w.HTML(
            f"<p>{escape(text.intro)}</p><p class='sb-cpd-disclaimer'>{escape(text.disclaimer)}</p>"
        )
        super().__init__(
            [intro, self.entries, w.HBox([self.new_button, self.prepare_button]), self.result],
            **kwargs,
        )
        self.add_class("sb-cpd")
        self.draw()
        session.observe(lambda _change: self.draw(), names="revision")

    @property
    def views(self) -> list[CpdEntryView]:
        return [v for v in self.entries.children if isinstance(v, CpdEntryView)]

    def draw(self) -> None:
        journal = self._session.journal
        drawn = reminders(self.course, journal, load_scenarios())
        found = journal.cpd_entries()
        views: list[w.Widget] = [
            CpdEntryView(i, entry_id, record, self._session, drawn, self._deleted)
            for i, (entry_id, record) in enumerate(found, start=1)
        ]
        if not views:
            views = [
                w.HTML(
                    "<p class='sb-cpd-none'>You have not started a piece of CPD yet. The course "
                    "fills in the type, the activity and the dates for you to change; what you "
                    "learnt and its impact are yours to write.</p>"
                )
            ]
        self.entries.children = views

    def start(self) -> str | None:
        try:
            entry_id = self._session.journal.add_cpd(
                **course_activity(self.course, self._session.journal)
            )
            self._session.save()
        except (OSError, JournalError) as exc:
            self.result.value = status_html(
                f"A new piece of CPD could not start ({exc}).", problem=True
            )
            return None
        self.draw()
        self.result.value = status_html(
            f"Piece of CPD {len(self.views)} has started, with what the course knows filled in."
        )
        return entry_id

    def _deleted(self) -> None:
        self.draw()
        self.result.value = status_html("That piece of CPD has been deleted.")

    def prepare(self) -> tuple[str, str]:
        journal = self._session.journal
        plain, page = cpd_text(journal), cpd_page_html(self.course, journal)
        self.result.value = (
            download_link(
                plain.encode(),
                "text/plain;charset=utf-8",
                cpd_filename("txt"),
                "Download my CPD record (plain text)",
            )
            + download_link(
                page.encode(),
                "text/html;charset=utf-8",
                cpd_filename("html"),
                "Download my CPD record (a page to print)",
            )
            + status_html("Your CPD record is ready to download.")
        )
        return plain, page
