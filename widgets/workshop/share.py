"""Sharing with a workshop: the learner sees exactly what leaves, and can take it back.

Only ratings are shared, one level (0-4) for each domain and stage the learner has rated in their
latest self-assessment, under a random id kept in their own journal. Two routes:

- live, when the course is served by ``secure-base workshop``: join with the cohort code, share,
  update, withdraw, and post an anonymous note to the room;
- offline, anywhere: download a ratings-only share file to send to the trainer.
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

import ipywidgets as w
from IPython.display import display

from ..content import Course
from ..controls import download_link, status_html
from ..journal import Journal, JournalError, Session
from ..pages import CoursePage
from ..reports.profile import profile
from .cohort import (
    MAX_NOTE_CHARS,
    STORE_PROBLEMS,
    CohortError,
    CohortStore,
    new_device,
    normalise_code,
    share_file,
)
from .hubshare import HubShares

#: The journal's name for the device id used in share files.
FILE_DEVICE = "share-file"


def shareable(journal: Journal, course: Course) -> dict[tuple[str, str], int]:
    """The learner's latest self-assessment, one level per rated cell (unrated cells left out)."""
    attempts = journal.attempts()
    if not attempts:
        return {}
    cells = profile(journal, course, attempts[-1][0])
    return {key: min(4, round(c.score)) for key, c in cells.items() if c.score is not None}


def preview_html(course: Course, ratings: dict[tuple[str, str], int]) -> str:
    """Exactly what would be shared, as a table a screen reader can read."""
    if not ratings:
        return (
            "<p class='sb-share-empty'>There is nothing to share yet. Rate your team in the "
            "self-assessment of at least one domain module first; only those ratings can be "
            "shared.</p>"
        )
    labels = {lv.score: lv.label for lv in course.scale if lv.score is not None}
    rows = "".join(
        f"<tr><th scope='row'>{escape(d.title)}, {escape(s.title.lower())}</th>"
        f"<td>{ratings[(d.key, s.key)]}: {escape(labels[ratings[(d.key, s.key)]])}</td></tr>"
        for d in course.domains
        for s in course.stages
        if (d.key, s.key) in ratings
    )
    return (
        "<table class='sb-share-preview'><caption>What would be shared: "
        f"{len(ratings)} rating{'s' if len(ratings) != 1 else ''}, and nothing else</caption>"
        "<thead><tr><th scope='col'>Domain and stage</th><th scope='col'>Your rating "
        "(0 to 4)</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


class SharePanel(w.VBox):
    """The learner's side of a workshop: join, see what is shared, share, update, withdraw."""

    def __init__(
        self,
        course: Course,
        session: Session,
        store: CohortStore | HubShares | None = None,
        environ: dict[str, str] | None = None,
        **kwargs: Any,
    ):
        self.course = course
        self._session = session
        #: The course runs as a workshop, but its store could not be opened.
        self.unreachable = False
        if store is None:
            # On JupyterHub, through the dashboard service as this hub user; elsewhere, the
            # workshop's own store.
            found = environ or dict(os.environ)
            store = HubShares.from_environment(found)
            if store is None:
                try:
                    store = CohortStore.from_environment(course, found)
                except (*STORE_PROBLEMS, CohortError):
                    store, self.unreachable = None, True
        self.store: CohortStore | HubShares | None = store
        #: The cohort this page has joined (its code), if any.
        self.code: str | None = None
        self.preview = w.HTML()
        self.preview.add_class("sb-share-what")
        self.status = w.HTML()
        self.status.add_class("sb-status")

        self.code_field = w.Text(
            description="Cohort code", placeholder="for example K7M-4QX", continuous_update=False
        )
        self.join_button = w.Button(description="Join", layout=w.Layout(width="auto"))
        self.join_button.on_click(lambda _b: self.join(self.code_field.value))
        self.joined = w.HTML()
        self.share_button = w.Button(description="Share my ratings", layout=w.Layout(width="auto"))
        self.share_button.on_click(lambda _b: self.share())
        self.withdraw_button = w.Button(
            description="Withdraw what I shared", layout=w.Layout(width="auto")
        )
        self.withdraw_button.on_click(lambda _b: self.withdraw())
        self.note = w.Textarea(
            description="An anonymous note to the room (optional)",
            placeholder=f"Up to {MAX_NOTE_CHARS} characters. Leave out names and case details.",
            layout=w.Layout(width="100%", flex_flow="column"),
        )
        self.note_button = w.Button(description="Post my note", layout=w.Layout(width="auto"))
        self.note_button.on_click(lambda _b: self.post_note())
        self.live = w.VBox()
        self.live.add_class("sb-share-live")

        self.file_button = w.Button(
            description="Prepare my share file", layout=w.Layout(width="auto")
        )
        self.file_button.on_click(lambda _b: self.prepare_file())
        self.file_result = w.HTML()
        offline = w.VBox(
            [
                w.HTML(
                    "<h3>No workshop server? Send a share file</h3><p>If your trainer collects "
                    "ratings by file, download this file and send it to them. It holds the "
                    "ratings in the table above and a random number that lets a newer file from "
                    "you replace an older one. It holds nothing you wrote and not your name.</p>"
                ),
                self.file_button,
                self.file_result,
            ]
        )
        offline.add_class("sb-share-file")
        super().__init__([self.preview, self.live, self.status, offline], **kwargs)
        self.add_class("sb-share")
        self._rejoin()
        self.draw()
        session.observe(lambda _change: self.draw(), names="revision")

    # -- state ---------------------------------------------------------------------------
    @property
    def device(self) -> str | None:
        return self._session.journal.workshop_device(self.code) if self.code else None

    def _membership(self) -> tuple[CohortStore | HubShares, str, str] | None:
        """The store, cohort code and device id, if this page has joined a cohort."""
        device = self.device  # a device id implies a code
        if self.store is None or self.code is None or device is None:
            return None
        return self.store, self.code, device

    @property
    def is_joined(self) -> bool:
        """This page has joined a cohort in a reachable store."""
        return self._membership() is not None

    def _rejoin(self) -> None:
        """Carry on with the cohort this journal joined most recently, if it is still open."""
        if self.store is None:
            return
        journal = self._session.journal
        found = [
            (entry.updated, key.partition("/")[2])
            for key in journal
            if key.startswith("workshop/")
            and key != f"workshop/{FILE_DEVICE}"
            and (entry := journal.get(key)) is not None
        ]
        for _when, code in sorted(found, reverse=True):
            try:
                if self.store.cohort(code) is not None:
                    self.code = code
                    return
            except CohortError:
                continue

    def _say(self, message: str, *, problem: bool = False) -> None:
        self.status.value = status_html(message, problem=problem)

    # -- actions -------------------------------------------------------------------------
    def join(self, text: str) -> bool:
        if self.store is None:
            self._say("This course is not running as a workshop, so there is nothing to join.")
            return False
        try:
            code = normalise_code(text)
            cohort = self.store.cohort(code)
        except CohortError as exc:
            self._say(str(exc), problem=True)
            return False
        except STORE_PROBLEMS:
            self._say("The workshop's store could not be reached. Try again shortly.", problem=True)
            return False
        if cohort is None:
            self._say(
                f"There is no cohort {code} on this server. Check the code with your trainer.",
                problem=True,
            )
            return False
        journal = self._session.journal
        try:
            if journal.workshop_device(code) is None:
                journal.set_workshop_device(code, new_device())
            self._session.save()
        except (OSError, JournalError) as exc:
            self._say(f"Could not join: your journal could not be saved ({exc}).", problem=True)
            return False
        self.code = code
        self.draw()
        self._say(f"You have joined {cohort.title}. Nothing has been shared yet.")
        return True

    def share(self) -> bool:
        joined = self._membership()
        if joined is None:
            self._say("Join your workshop with its code first.", problem=True)
            return False
        store, code, device = joined
        ratings = shareable(self._session.journal, self.course)
        if not ratings:
            self._say("There is nothing to share yet: rate your team in a domain module first.")
            return False
        was = self._shared()
        try:
            store.share(code, device, ratings)
        except CohortError as exc:
            self._say(str(exc), problem=True)
            return False
        except STORE_PROBLEMS:
            self._say("Your ratings could not be shared just now. Try again shortly.", problem=True)
            return False
        self.draw()
        count = f"{len(ratings)} rating{'s' if len(ratings) != 1 else ''}"
        self._say(f"Updated: {count} shared." if was else f"Shared: {count}. Thank you.")
        return True

    def withdraw(self) -> bool:
        joined = self._membership()
        if joined is None:
            self._say("You have not joined a workshop on this page.")
            return False
        store, code, device = joined
        try:
            gone = store.withdraw(code, device)
        except STORE_PROBLEMS:
            self._say("Your share could not be withdrawn just now. Try again.", problem=True)
            return False
        self.draw()
        self._say(
            "Withdrawn: your ratings and notes have been removed from the workshop."
            if gone
            else "There was nothing of yours to withdraw."
        )
        return gone

    def post_note(self) -> bool:
        joined = self._membership()
        if joined is None:
            self._say("Join your workshop with its code first.", problem=True)
            return False
        store, code, device = joined
        try:
            store.post_note(code, device, self.note.value)
        except CohortError as exc:
            self._say(f"Not posted. {exc}", problem=True)
            return False
        except STORE_PROBLEMS:
            self._say("Your note could not be posted just now. Try again shortly.", problem=True)
            return False
        self.note.value = ""
        self.draw()
        self._say("Posted to the room, without your name.")
        return True

    def prepare_file(self) -> str:
        from datetime import datetime

        ratings = shareable(self._session.journal, self.course)
        if not ratings:
            self.file_result.value = status_html(
                "There is nothing to share yet: rate your team in a domain module first."
            )
            return ""
        journal = self._session.journal
        try:
            device = journal.workshop_device(FILE_DEVICE)
            if device is None:
                device = new_device()
                journal.set_workshop_device(FILE_DEVICE, device)
                self._session.save()
        except (OSError, JournalError) as exc:
            self.file_result.value = status_html(
                f"Your journal could not be saved ({exc}); no file was made.", problem=True
            )
            return ""
        text = share_file(self.course, device, ratings)
        self.file_result.value = download_link(
            text.encode(),
            "application/json",
            f"secure-base-share-{datetime.now():%Y-%m-%d}.json",
            "Download my share file",
        ) + status_html("Your share file is ready. It holds only the ratings in the table.")
        return text

    # -- view ----------------------------------------------------------------------------
    def _shared(self) -> dict[tuple[str, str], int]:
        joined = self._membership()
        if joined is None:
            return {}
        store, code, device = joined
        try:
            return store.shared(code, device)
        except STORE_PROBLEMS:
            return {}

    def draw(self) -> None:
        ratings = shareable(self._session.journal, self.course)
        self.preview.value = preview_html(self.course, ratings)
        if self.unreachable:
            self.live.children = [
                w.HTML(
                    "<p class='sb-share-offline'>The workshop’s store could not be reached just "
                    "now, so sharing is not possible on this page. Reload the page in a minute to "
                    "try again; nothing you have written is lost.</p>"
                )
            ]
            return
        if self.store is None:
            self.live.children = [
                w.HTML(
                    "<p class='sb-share-offline'>This copy of the course is not running as a "
                    "workshop, so there is no room to share with live. If your trainer collects "
                    "ratings by file, use the share file below.</p>"
                )
            ]
            return
        if self.code is None:
            join = w.HBox([self.code_field, self.join_button])
            join.add_class("sb-share-join")
            self.live.children = [
                w.HTML(
                    "<p>Your trainer will give you a short cohort code. Joining shares nothing: "
                    "you choose what to share after you join.</p>"
                ),
                join,
            ]
            return
        shared = self._shared()
        cohort = self.store.cohort(self.code)
        title = escape(cohort.title if cohort else self.code)
        if shared and shared == ratings:
            state = "The workshop has the ratings shown above."
        elif shared:
            state = (
                f"The workshop has {len(shared)} earlier rating{'s' if len(shared) != 1 else ''} "
                "from you, which differ from those above. Share again to update them."
            )
        else:
            state = "You have not shared anything with this workshop."
        self.share_button.description = "Update what I shared" if shared else "Share my ratings"
        try:
            mine = self.store.my_notes(self.code, self.device or "")
        except STORE_PROBLEMS:
            mine = []
        posted = (
            f"<p>You have posted {len(mine)} note{'s' if len(mine) != 1 else ''} to the room.</p>"
            if mine
            else ""
        )
        self.joined.value = (
            f"<p class='sb-share-state'>You have joined <strong>{title}</strong> "
            f"({escape(self.code)}). {state}</p>{posted}"
        )
        buttons = w.HBox([self.share_button, self.withdraw_button])
        buttons.add_class("sb-share-buttons")
        note = w.VBox([self.note, w.HBox([self.note_button])])
        note.add_class("sb-reflection")
        self.live.children = [self.joined, buttons, note]


def share_panel(page: CoursePage) -> None:
    """Show the share panel on a course page (the share module's notebook calls this).

    It returns nothing, so that the notebook's cell does not show the panel a second time.
    """
    display(SharePanel(page.course, page.session))
