"""What a learner sees: the page frame, navigation, reflection fields and summaries.

Notebooks stay thin: a module opens with ``page = course_page("<module>")`` and calls a few
methods of the page where the course needs something more than prose. Every piece of course
text shown here comes from :mod:`widgets.content`; every piece of learner text is escaped
before it is put into HTML.
"""

from __future__ import annotations

import os
from datetime import datetime
from html import escape
from typing import Any

import ipywidgets as w
from IPython.display import HTML, display

from .content import Course, Module, Prompt, load_course
from .journal import STORE_ENV, FileStore, Journal, JournalError, default_journal_path
from .status import status_html

__all__ = ["CoursePage", "ReflectionField", "Session", "course_page", "session"]


class Session:
    """One page's view of the learner's journal: loaded once, saved on every change.

    Widgets that show the journal register with :meth:`on_change` to be redrawn when it changes
    from outside the page (a browser's stored copy arriving, a journal file loaded), and
    :meth:`on_problem` tells the page when the store reports a problem.
    """

    def __init__(self, store: Any):
        self.store = store
        self.journal, self.warning = store.load()
        self._changed: list[Any] = []
        self._problems: list[Any] = []
        if getattr(store, "kind", "file") == "browser":
            store.on_loaded.append(self._arrived)
            store.on_problem.append(self.report)

    @property
    def in_browser(self) -> bool:
        return getattr(self.store, "kind", "file") == "browser"

    def save(self) -> None:
        self.store.save(self.journal)

    def on_change(self, callback: Any) -> None:
        self._changed.append(callback)

    def on_problem(self, callback: Any) -> None:
        self._problems.append(callback)

    def changed(self) -> None:
        """Tell every widget showing the journal that it changed from outside."""
        for callback in self._changed:
            callback()

    def report(self, message: str) -> None:
        self.warning = message
        for callback in self._problems:
            callback(message)

    def _arrived(self, journal: Journal | None, warning: str | None) -> None:
        if journal is not None:
            self.journal.merge(journal)
        if warning:
            self.report(warning)
        self.changed()


_session: Session | None = None


def _store_key() -> tuple[str, ...]:
    if os.environ.get(STORE_ENV, "file") == "browser":
        return ("browser",)
    return ("file", str(default_journal_path()))


def session() -> Session:
    """The journal session of this kernel (each Voilà page has its own kernel)."""
    global _session, _session_key
    key = _store_key()
    if _session is None or _session_key != key:
        if key[0] == "browser":
            from .browser_store import BrowserStore

            _session = Session(BrowserStore())
        else:
            _session = Session(FileStore(default_journal_path()))
        _session_key = key
    return _session


_session_key: tuple[str, ...] = ()


#: Set by mybinder.org in every session it launches.
BINDER_ENV = ("BINDER_LAUNCH_HOST", "BINDER_REPO_URL")
BINDER_NOTICE = (
    '<div class="sb-binder"><p><strong>You are using the course on Binder</strong>, a free, '
    "temporary service. Your session ends after about ten minutes without activity, and the "
    "service keeps nothing afterwards. Your writing is kept in this web browser; to be safe, "
    'download your journal file from <a href="08_privacy.ipynb" target="_self">Your writing and '
    "your privacy</a> or the closing module before you finish.</p></div>"
)


def on_binder() -> bool:
    return any(os.environ.get(name) for name in BINDER_ENV)


def _local_time(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone().strftime("%H:%M")


class ReflectionField(w.VBox):
    """A labelled text box for one prompt, kept in the journal as the learner types."""

    def __init__(self, prompt: Prompt, sess: Session, **kwargs: Any):
        self.prompt = prompt
        self._session = sess
        self._text = w.Textarea(
            value=sess.journal.reflection(prompt.id),
            description=prompt.text,
            placeholder="Write your reflection here. It is saved as you type.",
            continuous_update=True,
            layout=w.Layout(width="100%", flex_flow="column"),
        )
        self._text.add_class("sb-reflection-text")
        children: list[w.Widget] = [self._text]
        if prompt.nudge:
            children.append(w.HTML(f'<p class="sb-nudge">{escape(prompt.nudge)}</p>'))
        self._status = w.HTML("", layout=w.Layout(min_height="1.5em"))
        self._status.add_class("sb-status")
        children.append(self._status)
        super().__init__(children, **kwargs)
        self.add_class("sb-reflection")
        self._text.observe(self._on_change, names="value")
        sess.on_change(self._refresh)

    def _refresh(self) -> None:
        text = self._session.journal.reflection(self.prompt.id)
        if text != self._text.value:
            self._text.value = text

    @property
    def value(self) -> str:
        return self._text.value

    @value.setter
    def value(self, text: str) -> None:
        self._text.value = text

    @property
    def status(self) -> str:
        return self._status.value

    def _say(self, message: str, *, problem: bool = False) -> None:
        self._status.value = status_html(message, problem=problem)

    def _on_change(self, change: dict) -> None:
        try:
            changed = self._session.journal.set_reflection(self.prompt.id, change["new"])
        except JournalError as exc:
            self._say(f"Not saved. {exc}", problem=True)
            return
        if not changed:
            return
        try:
            self._session.save()
        except OSError as exc:
            self._say(
                "Not saved: the journal file could not be written "
                f"({exc.strerror or exc}). Your text is still here; copy it somewhere "
                "safe before closing this page.",
                problem=True,
            )
            return
        entry = self._session.journal.get(f"reflection/{self.prompt.id}")
        self._say(f"Saved at {_local_time(entry.updated)}" if entry else "Saved")


# -- HTML pieces ------------------------------------------------------------------------

STYLE = """
<style>
.sb-nav { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: baseline;
  justify-content: space-between; padding: .6rem .9rem; margin: .5rem 0 1rem;
  background: #eef5f7; border: 1px solid #b7ccd4; border-radius: 6px; font-size: 1rem; }
.sb-nav a { color: #0b5a75; font-weight: 600; text-decoration: underline; }
.sb-nav a:focus-visible, .sb-contents summary:focus-visible { outline: 3px solid #d45d00;
  outline-offset: 2px; }
.sb-nav .sb-where { color: #1b1b1b; }
.sb-contents summary { cursor: pointer; color: #0b5a75; font-weight: 600; }
.sb-contents ol, .sb-contents ul { margin: .4rem 0 0 1.2rem; }
.sb-contents-about { margin: .6rem 0 0; font-weight: 600; }
.sb-contents [aria-current="page"] { font-weight: 700; color: #1b1b1b; text-decoration: none; }
.sb-belief { font-size: 1.15rem; color: #0b5a75; font-style: italic; margin: .25rem 0 1rem; }
.sb-stage-question { color: #333; font-style: italic; margin: .2rem 0 .6rem; }
.sb-reflection { margin: 0 0 1.1rem; padding: .6rem .8rem .2rem; border-left: 4px solid #0b5a75;
  background: #fafcfd; }
.sb-reflection .widget-textarea { width: 100%; }
.sb-reflection .widget-label { white-space: normal !important; width: auto !important;
  max-width: none !important; overflow: visible !important; text-overflow: clip !important;
  font-size: 1rem; line-height: 1.45; color: #1b1b1b; font-weight: 600; margin: 0 0 .35rem;
  height: auto !important; text-align: left !important; }
.sb-reflection textarea { min-height: 6.5em; font-size: 1rem; line-height: 1.45; width: 100%;
  font-family: inherit;
  box-sizing: border-box; }
.sb-reflection textarea:focus-visible { outline: 3px solid #d45d00; outline-offset: 1px; }
.sb-nudge { margin: .35rem 0 0; color: #3d4b50; font-size: .95rem; }
.sb-nudge::before { content: "Try: "; font-weight: 600; }
.sb-status { font-size: .9rem; }
.sb-status-ok { color: #1d6b35; }
.sb-status-problem { color: #a3000b; font-weight: 600; }
.sb-notice { padding: .6rem .9rem; border: 2px solid #a3000b; border-radius: 6px; }
.sb-figure { margin: 1rem 0; max-width: 680px; }
.sb-figure svg { width: 100%; height: auto; }
.sb-figure figcaption { margin-top: .5rem; }
.sb-summary-domain { margin-top: 1.5rem; }
.sb-summary-prompt { font-weight: 600; margin: .6rem 0 .2rem; }
.sb-summary-answer { white-space: pre-wrap; margin: .25rem 0 1rem 1rem; padding: .4rem .7rem;
  border-left: 3px solid #b7ccd4; }
.sb-scenario { margin: 1rem 0 1.5rem; padding: .6rem .9rem; border: 1px solid #b7ccd4;
  border-radius: 6px; background: #fcfdfd; }
.sb-scenario-title { margin: .2rem 0 .3rem; }
.sb-story p { line-height: 1.5; max-width: 48rem; }
.sb-step { color: #3d4b50; font-size: .95rem; font-weight: 600; margin: .6rem 0 .2rem; }
.sb-ask { font-weight: 600; }
.sb-choices { gap: .4rem; margin: .3rem 0 .6rem; }
.sb-choices .sb-choice { height: auto !important; min-height: 2.4em; white-space: normal;
  text-align: left; padding: .45rem .8rem; line-height: 1.4; font-size: 1rem;
  background: #eef5f7; color: #1b1b1b; border: 1px solid #0b5a75; border-radius: 4px;
  box-sizing: border-box; max-width: 100%; font-family: inherit; }
.sb-choices .sb-choice:hover { background: #dcebef; }
.sb-player button:focus-visible { outline: 3px solid #d45d00; outline-offset: 2px; }
.sb-controls { gap: .6rem; }
.sb-control { width: auto !important; }
.sb-debrief { border-left: 4px solid #1d6b35; padding: .2rem .9rem; background: #f4faf5; }
.sb-trail summary { cursor: pointer; color: #0b5a75; }
.sb-player a, .sb-summary-domain a, .sb-credits a, .sb-nav a { color: #0b5a75 !important;
  text-decoration: underline !important; }
.sb-export { margin: .5rem 0 1rem; padding: .6rem .9rem; border: 1px solid #b7ccd4;
  border-radius: 6px; }
.sb-export .sb-export-button { width: auto; height: auto; padding: .4rem .9rem; font-size: 1rem;
  background: #0b5a75; color: #ffffff; border-radius: 4px; }
.sb-journal-file .sb-file-button, .sb-delete button { width: auto; height: auto;
  padding: .4rem .9rem; font-size: 1rem; }
.sb-delete .sb-delete-button { background: #a3000b; color: #ffffff; }
.sb-delete .widget-checkbox { width: auto; }
.sb-delete label, .sb-export label { white-space: normal; font-size: 1rem; }
.sb-download { font-weight: 600; font-size: 1.05rem; }
.sb-rating { margin: 0 0 .9rem; padding: .5rem .8rem; border-left: 4px solid #6b3d8f;
  background: #fbfafd; }
.sb-rating .widget-radio { width: 100%; flex-direction: column; align-items: flex-start; }
.sb-rating .widget-label { white-space: normal !important; width: auto !important;
  max-width: none !important; overflow: visible !important; height: auto !important;
  text-align: left !important; font-weight: 600; font-size: 1rem; line-height: 1.45;
  color: #1b1b1b; margin: 0 0 .3rem; }
.sb-rating .widget-radio-box { flex-direction: row !important; flex-wrap: wrap; gap: .2rem 1.2rem; }
.sb-rating .widget-radio-box label { font-size: .95rem; color: #1b1b1b; }
.sb-reading-box { border-left: 4px solid #1d6b35; padding: .2rem .9rem; background: #f4faf5;
  margin: .5rem 0 1rem; }
.sb-table-scroll { overflow-x: auto; max-width: 100%; }
.sb-profile svg { width: 100%; max-width: 640px; height: auto; }
.sb-profile-table { border-collapse: collapse; margin: .8rem 0; font-size: .95rem; }
.sb-profile-table caption { text-align: left; font-weight: 600; margin-bottom: .3rem; }
.sb-profile-table th, .sb-profile-table td { border: 1px solid #b7ccd4; padding: .3rem .5rem;
  text-align: left; vertical-align: top; }
.sb-profile-view .widget-dropdown { width: auto; max-width: 100%; }
.sb-action-form, .sb-action { margin: .5rem 0 1rem; padding: .6rem .9rem;
  border: 1px solid #b7ccd4; border-radius: 6px; }
.sb-action-done .sb-action-title { color: #1d6b35; }
.sb-action-field .widget-label, .sb-action-fields .widget-label { white-space: normal !important;
  width: auto !important; font-weight: 600; color: #1b1b1b; text-align: left !important; }
.sb-action-form button, .sb-action button { height: auto; padding: .35rem .8rem; }
.sb-action .widget-hbox { flex-wrap: wrap; gap: .4rem; }
.sb-share-preview { border-collapse: collapse; margin: .8rem 0; font-size: .95rem; }
.sb-share-preview caption { text-align: left; font-weight: 600; margin-bottom: .3rem; }
.sb-share-preview th, .sb-share-preview td { border: 1px solid #b7ccd4; padding: .3rem .5rem;
  text-align: left; vertical-align: top; }
.sb-share-live, .sb-share-file { margin: .5rem 0 1rem; padding: .6rem .9rem;
  border: 1px solid #b7ccd4; border-radius: 6px; }
.sb-share button { width: auto; height: auto; padding: .4rem .9rem; font-size: 1rem; }
.sb-share .widget-hbox { flex-wrap: wrap; gap: .4rem; align-items: center; }
.sb-share .widget-text .widget-label { width: auto !important; font-weight: 600;
  color: #1b1b1b; margin-right: .5rem; }
.sb-share .widget-text input { font-size: 1.05rem; text-transform: uppercase;
  letter-spacing: .05em; }
.sb-binder { padding: .5rem .9rem; border: 2px solid #0b5a75; border-radius: 6px;
  background: #eef5f7; margin: 0 0 1rem; }
.sb-credits { border-top: 1px solid #b7ccd4; margin-top: 2rem; padding-top: .8rem;
  font-size: .95rem; }
</style>
"""


def _nav(course: Course, current: Module, where: str) -> str:
    modules = course.sequence
    about = [m for m in course.modules if m.about]

    def item(m: Module) -> str:
        current_mark = ' aria-current="page"' if m == current else ""
        return f'<li><a href="{m.file}" target="_self"{current_mark}>{escape(m.title)}</a></li>'

    contents = f"<ol>{''.join(item(m) for m in modules)}</ol>"
    if about:
        contents += (
            '<p class="sb-contents-about">About this course:</p>'
            f"<ul>{''.join(item(m) for m in about)}</ul>"
        )
    parts = []
    if current.about:
        first = modules[0]
        parts.append(
            f'<a href="{first.file}" target="_self">← Back to the course: {escape(first.title)}</a>'
        )
        parts.append(f'<span class="sb-where">About this course: {escape(current.title)}</span>')
    else:
        index = modules.index(current)
        prev = modules[index - 1] if index > 0 else None
        nxt = modules[index + 1] if index + 1 < len(modules) else None
        if prev:
            parts.append(
                f'<a href="{prev.file}" target="_self" rel="prev">← Previous: '
                f"{escape(prev.title)}</a>"
            )
        parts.append(
            f'<span class="sb-where">Module {index + 1} of {len(modules)}: '
            f"{escape(current.title)}</span>"
        )
        if nxt:
            parts.append(
                f'<a href="{nxt.file}" target="_self" rel="next">Next: {escape(nxt.title)} →</a>'
            )
    parts.append(f'<details class="sb-contents"><summary>Contents</summary>{contents}</details>')
    label = "Course navigation" if where == "top" else "Course navigation, end of page"
    return f'<nav class="sb-nav" aria-label="{label}">{"".join(parts)}</nav>'


def model_svg(course: Course) -> str:
    """The model as a picture: five domains around the team as a secure base."""
    import math

    cx, cy, r_centre, r_orbit, r_node = 340, 250, 90, 178, 76
    colours = ["#0b5a75", "#6b3d8f", "#8a4a00", "#1d6b35", "#9b1c3c"]
    nodes = []
    for i, domain in enumerate(course.domains):
        angle = -math.pi / 2 + i * 2 * math.pi / len(course.domains)
        x = cx + r_orbit * math.cos(angle)
        y = cy + r_orbit * math.sin(angle)
        belief_lines = _wrap(f"“{domain.belief}”", 16)
        tspans = "".join(
            f'<tspan x="{x:.0f}" dy="{1.2 if j else 0.4}em">{escape(line)}</tspan>'
            for j, line in enumerate(belief_lines)
        )
        nodes.append(
            f'<line x1="{cx}" y1="{cy}" x2="{x:.0f}" y2="{y:.0f}" stroke="#7a8f96" '
            f'stroke-width="2"/>'
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{r_node}" fill="#ffffff" '
            f'stroke="{colours[i % len(colours)]}" stroke-width="4"/>'
            f'<text x="{x:.0f}" y="{y - 22:.0f}" text-anchor="middle" font-weight="700" '
            f'font-size="15" fill="{colours[i % len(colours)]}">{escape(domain.title)}</text>'
            f'<text x="{x:.0f}" y="{y - 6:.0f}" text-anchor="middle" font-size="13" '
            f'fill="#1b1b1b">{tspans}</text>'
        )
    desc = (
        "The team as a secure base sits at the centre, linked to five domains around it: "
        + "; ".join(f"{d.title}, where the belief is “{d.belief}”" for d in course.domains)
        + "."
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 680 500" role="img" '
        'aria-labelledby="sb-model-title sb-model-desc" focusable="false">'
        '<title id="sb-model-title">The team as a secure base model</title>'
        f'<desc id="sb-model-desc">{escape(desc)}</desc>'
        + "".join(nodes)
        + f'<circle cx="{cx}" cy="{cy}" r="{r_centre}" fill="#eef5f7" stroke="#0b5a75" '
        'stroke-width="4"/>'
        f'<text x="{cx}" y="{cy - 8}" text-anchor="middle" font-size="18" font-weight="700" '
        f'fill="#1b1b1b">Team as a</text><text x="{cx}" y="{cy + 16}" text-anchor="middle" '
        'font-size="18" font-weight="700" fill="#1b1b1b">secure base</text></svg>'
    )


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def credits_html(course: Course) -> str:
    src = course.source
    refs = "".join(
        f'<li>{escape(r.citation)} <a href="{escape(r.url)}">doi:{escape(r.doi)}</a></li>'
        for r in course.references
    )
    return (
        '<section class="sb-credits" aria-labelledby="sb-credits-heading">'
        '<h2 id="sb-credits-heading">Credits and references</h2>'
        f"<p>This course is built on the {escape(src.kind.lower())} "
        f"<cite>{escape(src.title)}</cite> by {escape(src.by)} ({escape(src.institution)}), "
        f"published by the {escape(src.programme)} and funded by the {escape(src.funder)}. "
        "Its reflective questions have been rewritten for this course; the original tool is "
        f'available from the <a href="{escape(src.url)}">Practice Supervisor Development '
        "Programme website</a>.</p>"
        f"<p>The references the tool cites:</p><ul>{refs}</ul></section>"
    )


class CoursePage:
    """One module of the course, as the learner sees it."""

    def __init__(self, module_key: str, course: Course | None = None):
        self.course = course or load_course()
        self.module = self.course.module(module_key)
        self.session = session()
        self.fields: dict[str, ReflectionField] = {}
        self.players: dict[str, Any] = {}

    # Each method displays its part where the notebook calls it.
    def header(self) -> None:
        display(HTML(STYLE + _nav(self.course, self.module, "top")))
        if self.session.warning:
            display(HTML(f'<p class="sb-notice" role="alert">{escape(self.session.warning)}</p>'))
        if on_binder():
            display(HTML(BINDER_NOTICE))
        if self.session.in_browser:
            # The bridge to the journal kept in this browser, and a place for its problems.
            self.notice = w.HTML()
            self.session.on_problem(
                lambda message: setattr(
                    self.notice,
                    "value",
                    f'<p class="sb-notice">{status_html(message, problem=True)}</p>',
                )
            )
            display(w.VBox([self.session.store.widget, self.notice]))
        title = self.course.title if self.module.key == "welcome" else self.module.title
        heading = f'<h1 class="sb-title">{escape(title)}</h1>'
        if self.module.domain:
            domain = self.course.domain(self.module.domain)
            heading += f'<p class="sb-belief">“{escape(domain.belief)}”</p>'
        elif self.module.key == "welcome":
            heading += f'<p class="sb-belief">{escape(self.course.subtitle)}</p>'
        display(HTML(heading))

    def footer(self) -> None:
        display(HTML(_nav(self.course, self.module, "bottom")))

    def reflect(self, stage: str) -> None:
        """The reflection fields of one stage of this module's domain."""
        if not self.module.domain:
            raise ValueError(f"module {self.module.key!r} has no domain to reflect on")
        stage_info = self.course.stage(stage)
        prompts = self.course.prompts_for(self.module.domain, stage)
        fields = [ReflectionField(p, self.session) for p in prompts]
        self.fields.update({f.prompt.id: f for f in fields})
        box = w.VBox(
            [w.HTML(f'<p class="sb-stage-question">{escape(stage_info.question)}</p>'), *fields]
        )
        box.add_class("sb-stage")
        display(box)

    def model(self) -> None:
        items = "".join(
            f"<li><strong>{escape(d.title)}</strong>: “{escape(d.belief)}”. "
            f"{escape(d.meaning)}</li>"
            for d in self.course.domains
        )
        display(
            HTML(
                f'<figure class="sb-figure">{model_svg(self.course)}'
                "<figcaption>The five domains of the team as a secure base, each with the "
                f"belief it helps a social worker hold:<ul>{items}</ul></figcaption></figure>"
            )
        )

    def assess(self) -> None:
        """The self-assessment statements of this module's domain."""
        from .assessment import SelfAssessment

        if not self.module.domain:
            raise ValueError(f"module {self.module.key!r} has no domain to assess")
        self.assessment = SelfAssessment(self.module.domain, self.course, self.session)
        display(self.assessment)

    def scenarios(self) -> None:
        """The scenario exercises centred on this module's domain, each with its status."""
        from .player import ScenarioPlayer, scenario_status
        from .scenarios import load_scenarios

        if not self.module.domain:
            raise ValueError(f"module {self.module.key!r} has no domain for scenarios")
        cards = []
        for scenario in load_scenarios():
            if scenario.domain != self.module.domain:
                continue
            status = w.HTML()
            status.add_class("sb-scenario-status")

            def show(player: Any, status: w.HTML = status, scenario: Any = scenario) -> None:
                record = self.session.journal.scenario(scenario.id)
                status.value = (
                    f"<p><strong>Status:</strong> {escape(scenario_status(scenario, record))}</p>"
                )

            player = ScenarioPlayer(scenario, self.course, self.session, on_change=show)
            show(player)
            self.players[scenario.id] = player
            heading = w.HTML(
                f"<h3 class='sb-scenario-title'>{escape(scenario.title)}</h3>"
                f"<p class='sb-scenario-summary'>{escape(scenario.summary)}</p>"
            )
            card = w.VBox([heading, status, player])
            card.add_class("sb-scenario")
            cards.append(card)
        display(w.VBox(cards))

    def stages(self) -> None:
        items = "".join(
            f"<li><strong>{escape(s.title)}</strong>: {escape(s.question)}</li>"
            for s in self.course.stages
        )
        display(HTML(f'<ol class="sb-stages">{items}</ol>'))

    def _live_html(self, render: Any) -> w.HTML:
        """HTML drawn from the journal, and drawn again whenever the journal changes."""
        view = w.HTML(render())
        self.session.on_change(lambda: setattr(view, "value", render()))
        display(view)
        return view

    def summary(self) -> None:
        """Everything the learner has written, by domain and stage, with its prompt."""
        self.summary_view = self._live_html(lambda: summary_html(self.course, self.session.journal))

    def profile(self) -> None:
        """The secure-base profile across all domains and stages, with comparison."""
        from .profile import ProfileView

        self.profile_view = ProfileView(self.course, self.session)
        display(self.profile_view)

    def action_form(self) -> None:
        """Add an action for this module's domain to the plan."""
        from .actions import ActionForm

        if not self.module.domain:
            raise ValueError(f"module {self.module.key!r} has no domain for actions")
        self.actions_form = ActionForm(self.course, self.session, self.module.domain)
        display(self.actions_form)

    def action_plan(self) -> None:
        """Every action in the plan: reorder, edit, mark done, delete."""
        from .actions import ActionPlan

        self.plan = ActionPlan(self.course, self.session)
        display(self.plan)

    def scenarios_done(self) -> None:
        """The scenarios played across the course, with the endings reached."""
        self.scenarios_view = self._live_html(lambda: scenarios_summary_html(self.session.journal))

    def credits(self) -> None:
        display(HTML(credits_html(self.course)))

    def journal_file(self) -> None:
        """Download the journal file, or load one to carry on elsewhere."""
        self.file_panel = JournalFilePanel(self.session)
        display(self.file_panel)

    def delete_everything(self) -> None:
        self.delete_panel = DeletePanel(self.session)
        display(self.delete_panel)

    def journal_location(self) -> None:
        if self.session.in_browser:
            text = (
                "<p class='sb-location'>Your journal is kept in this web browser, in its own "
                "storage for this site, and nowhere else: the server that shows you the course "
                "does not keep it. It stays in this browser on this computer until you delete it "
                "here or clear the browser's data for this site. Another browser or another "
                "computer will not have it; take your journal file with you to carry on there."
                "</p>"
            )
        else:
            text = (
                "<p class='sb-location'>Your journal is kept on the computer that runs the "
                f"course, in the file <code>{escape(str(self.session.store.path))}</code>, with "
                "the previous saved version beside it. Anyone who can open files in that "
                "computer account can read it; if that computer is a shared or temporary "
                "service, the people who run it may be able to read it too, and a temporary "
                "service deletes it when your session ends.</p>"
            )
        display(HTML(text))

    def share(self) -> None:
        """Share ratings with a workshop, or download a share file for a trainer."""
        from .share import SharePanel

        self.share_panel = SharePanel(self.course, self.session)
        display(self.share_panel)

    def export(self) -> None:
        """Choose what to include and download the journal as a web page."""
        self.export_panel = ExportPanel(self.course, self.session)
        display(self.export_panel)


class ExportPanel(w.VBox):
    """Tick what to include, then download the journal as one web page."""

    def __init__(self, course: Course, sess: Session, **kwargs: Any):
        self.course = course
        self._session = sess
        self.domain_boxes = {
            d.key: w.Checkbox(value=True, description=d.title, indent=False) for d in course.domains
        }
        self.scenarios_box = w.Checkbox(value=True, description="Scenarios", indent=False)
        self.button = w.Button(
            description="Prepare my journal to download", layout=w.Layout(width="auto")
        )
        self.button.add_class("sb-export-button")
        self.button.on_click(lambda _b: self.prepare())
        self.result = w.HTML()
        self.result.add_class("sb-export-result")
        boxes = w.VBox([*self.domain_boxes.values(), self.scenarios_box])
        boxes.add_class("sb-export-choices")
        intro = w.HTML("<p class='sb-export-intro'>Include:</p>")
        super().__init__([intro, boxes, self.button, self.result], **kwargs)
        self.add_class("sb-export")

    def prepare(self) -> str:
        from .export import ExportChoice, export_filename, export_html
        from .scenarios import load_scenarios

        choice = ExportChoice(
            frozenset(k for k, box in self.domain_boxes.items() if box.value),
            self.scenarios_box.value,
        )
        if not choice.domains and not choice.scenarios:
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


def download_link(data: bytes, mime: str, filename: str, label: str) -> str:
    import base64

    uri = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    return (
        f'<p><a class="sb-download" href="{uri}" download="{escape(filename)}">'
        f"{escape(label)} ({len(data) / 1024:.0f} KB)</a></p>"
    )


def json_upload(description: str, tooltip: str, multiple: bool = False) -> w.FileUpload:
    """A button that takes the course's own JSON files (journals, share files)."""
    return w.FileUpload(
        accept=".json,application/json",
        multiple=multiple,
        description=description,
        icon="",
        tooltip=tooltip,
        layout=w.Layout(width="auto"),
    )


class JournalFilePanel(w.VBox):
    """Take the journal file away, or load one to carry on where you stopped."""

    def __init__(self, sess: Session, **kwargs: Any):
        self._session = sess
        self.download_button = w.Button(
            description="Prepare my journal file", layout=w.Layout(width="auto")
        )
        self.download_button.on_click(lambda _b: self.prepare())
        self.upload = json_upload(
            "Load a journal file", "Choose a journal file (.json) saved from this course"
        )
        self.upload.observe(self._on_upload, names="value")
        self.result = w.HTML()
        for button in (self.download_button, self.upload):
            button.add_class("sb-file-button")
        super().__init__([w.HBox([self.download_button, self.upload]), self.result], **kwargs)
        self.add_class("sb-journal-file")

    def prepare(self) -> bytes:
        from datetime import datetime

        data = self._session.journal.dumps().encode()
        name = f"secure-base-journal-{datetime.now():%Y-%m-%d}.json"
        self.result.value = download_link(
            data, "application/json", name, "Download my journal file"
        ) + status_html("Your journal file is ready. Keep it somewhere private.")
        return data

    def _on_upload(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        self.load(files[0])
        self.upload.value = ()  # so that the same file can be chosen again

    def load(self, uploaded: Any) -> int | None:
        """Merge an uploaded journal file into this one; a bad file changes nothing."""
        from .journal import MAX_FILE_BYTES

        try:
            content = bytes(uploaded["content"])
        except (TypeError, KeyError, ValueError):
            self.result.value = status_html("That upload could not be read.", problem=True)
            return None
        if len(content) > MAX_FILE_BYTES:
            self.result.value = status_html(
                f"That file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, too large to be "
                "a course journal. Nothing was changed.",
                problem=True,
            )
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
            self._session.store.delete_everything(self._session.journal)
        except OSError as exc:
            self.result.value = status_html(f"Could not delete the journal ({exc}).", problem=True)
            return False
        self.confirm.value = False
        self._session.changed()
        self.result.value = status_html(
            "Everything has been deleted: your reflections, your scenario choices and the saved "
            "copies of your journal."
        )
        return True


def scenarios_summary_html(journal: Journal) -> str:
    """The scenarios the learner has played, with the endings reached."""
    from .player import scenario_status
    from .scenarios import load_scenarios

    rows = []
    for scenario in load_scenarios():
        record = journal.scenario(scenario.id)
        if record is None:
            continue
        rows.append(
            f"<li><strong>{escape(scenario.title)}</strong>: "
            f"{escape(scenario_status(scenario, record))}</li>"
        )
    if not rows:
        return (
            "<p class='sb-summary-empty'>You have not played any scenarios yet. Each domain "
            "module offers scenarios from online and hybrid practice.</p>"
        )
    return f"<ul class='sb-scenarios-done'>{''.join(rows)}</ul>"


def summary_html(course: Course, journal: Journal) -> str:
    written = journal.reflections()
    if not written:
        return (
            '<p class="sb-summary-empty">You have not written any reflections yet. They will '
            "appear here, by domain and stage, as you work through the modules.</p>"
        )
    parts = [
        f'<p class="sb-summary-count">You have written {len(written)} reflection'
        f"{'' if len(written) == 1 else 's'} so far.</p>"
    ]
    for domain in course.domains:
        module = course.module_for(domain.key)
        blocks = []
        for stage in course.stages:
            answers = [
                f'<p class="sb-summary-prompt">{escape(p.text)}</p>'
                f'<div class="sb-summary-answer">{escape(written[p.id].value)}</div>'
                for p in course.prompts_for(domain.key, stage.key)
                if p.id in written
            ]
            if answers:
                blocks.append(f"<h4>{escape(stage.title)}</h4>{''.join(answers)}")
        body = (
            "".join(blocks)
            if blocks
            else f'<p>Nothing written yet. <a href="{module.file}" target="_self">'
            f"Go to {escape(domain.title)}</a>.</p>"
        )
        parts.append(
            f'<section class="sb-summary-domain"><h3>{escape(domain.title)}</h3>{body}</section>'
        )
    return "".join(parts)


def course_page(module_key: str) -> CoursePage:
    """Open a module: show its navigation and return the page for the notebook to use."""
    page = CoursePage(module_key)
    page.header()
    return page
