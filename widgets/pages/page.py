"""A module of the course as the learner sees it: :func:`course_page` and :class:`CoursePage`.

The parts only some modules show (the profile, the journal panels, the CPD record) are imported
where they are shown, so that a domain module's kernel does not pay for them.

Notebooks stay thin: a module opens with ``page = course_page("<module>")`` and calls a few
methods of the page where the course needs something more than prose. Every piece of course
text shown here comes from :mod:`widgets.content`; every piece of learner text is escaped
before it is put into HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import ipywidgets as w
from IPython.display import HTML, display

from ..content import Course, load_course, scenarios_for
from ..controls import on_static_site
from ..journal import FileStore, page_session
from ..reports.about import credits_html, model_svg
from ..reports.summaries import scenarios_summary_html, summary_html
from ..server.kernel import guard_kernel
from .actions import ActionForm, ActionPlan
from .assessment import SelfAssessment
from .frame import BINDER_NOTICE, heading_html, nav_html, on_binder, stylesheet_html
from .player import ScenarioPlayer
from .reflection import ReflectionField, ReflectionStage

__all__ = ["CoursePage", "course_page"]


class CoursePage:
    """One module of the course, as the learner sees it."""

    def __init__(self, module_key: str, course: Course | None = None):
        self.course = course or load_course()
        self.module = self.course.module(module_key)
        self.session = page_session()
        self.fields: dict[str, ReflectionField] = {}
        self.players: dict[str, ScenarioPlayer] = {}
        self.stages_shown: dict[str, ReflectionStage] = {}

    # Each method displays its part where the notebook calls it.
    def header(self) -> None:
        # On the static site the page already has its navigation and heading, drawn when the site
        # was built, so that they are there before Python has started in the browser.
        drawn = on_static_site()
        if not drawn:
            display(HTML(stylesheet_html() + nav_html(self.course, self.module, "top")))
        if self.session.warning:
            display(HTML(f'<p class="sb-notice" role="alert">{escape(self.session.warning)}</p>'))
        if on_binder():
            display(HTML(BINDER_NOTICE))
        # The bridge to this browser: it brings back writing kept unsaved from an earlier visit,
        # keeps the journal where it is kept in the browser, and shows the page's notices.
        display(self.session.bridge)
        if not drawn:
            display(HTML(heading_html(self.course, self.module)))

    def footer(self) -> None:
        if not on_static_site():
            display(HTML(nav_html(self.course, self.module, "bottom")))

    def reflect(self, stage: str) -> None:
        """The reflection fields of one stage of this module's domain."""
        if not self.module.domain:
            raise ValueError(f"module {self.module.key!r} has no domain to reflect on")
        stage_info = self.course.stage(stage)
        prompts = self.course.prompts_for(self.module.domain, stage)
        view = ReflectionStage(prompts, stage_info.question, self.session)
        self.stages_shown[stage] = view
        self.fields.update(view.fields)
        display(view)

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
        if not self.module.domain:
            raise ValueError(f"module {self.module.key!r} has no domain to assess")
        self.assessment = SelfAssessment(self.module.domain, self.course, self.session)
        display(self.assessment)

    def scenarios(self) -> None:
        """The scenario exercises centred on this module's domain: one card each, with its
        status, drawn by its player."""
        if not self.module.domain:
            raise ValueError(f"module {self.module.key!r} has no domain for scenarios")
        for scenario in scenarios_for(self.module.domain):
            player = ScenarioPlayer(scenario, self.course, self.session)
            self.players[scenario.id] = player
            display(player)

    def stages(self) -> None:
        items = "".join(
            f"<li><strong>{escape(s.title)}</strong>: {escape(s.question)}</li>"
            for s in self.course.stages
        )
        display(HTML(f'<ol class="sb-stages">{items}</ol>'))

    def _live_html(self, render: Callable[[], str]) -> w.HTML:
        """HTML drawn from the journal, and drawn again whenever the journal changes."""
        view = w.HTML(render())
        self.session.observe(lambda _change: setattr(view, "value", render()), names="revision")
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
        if not self.module.domain:
            raise ValueError(f"module {self.module.key!r} has no domain for actions")
        self.actions_form = ActionForm(self.course, self.session, self.module.domain)
        display(self.actions_form)

    def action_plan(self) -> None:
        """Every action in the plan: reorder, edit, mark done, delete."""
        self.plan = ActionPlan(self.course, self.session)
        display(self.plan)

    def scenarios_done(self) -> None:
        """The scenarios played across the course, with the endings reached."""
        self.scenarios_view = self._live_html(lambda: scenarios_summary_html(self.session.journal))

    def credits(self) -> None:
        display(HTML(credits_html(self.course)))

    def journal_file(self) -> None:
        """Download the journal file, or load one to carry on elsewhere."""
        from .panels import JournalFilePanel

        self.file_panel = JournalFilePanel(self.session)
        display(self.file_panel)

    def delete_everything(self) -> None:
        from .panels import DeletePanel

        self.delete_panel = DeletePanel(self.session)
        display(self.delete_panel)

    def journal_location(self) -> None:
        store = self.session.store
        if not isinstance(store, FileStore):
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
                f"course, in the file <code>{escape(str(store.path))}</code>, with "
                "the previous saved version beside it. Anyone who can open files in that "
                "computer account can read it; if that computer is a shared or temporary "
                "service, the people who run it may be able to read it too, and a temporary "
                "service deletes it when your session ends.</p>"
            )
        display(HTML(text))

    def cpd(self) -> None:
        """The CPD record: pieces of CPD drafted field by field, ready to copy and download."""
        from .cpd import CpdRecord

        self.cpd_record = CpdRecord(self.course, self.session)
        display(self.cpd_record)

    def export(self) -> None:
        """Choose what to include and download the journal as a web page."""
        from .panels import ExportPanel

        self.export_panel = ExportPanel(self.course, self.session)
        display(self.export_panel)


def course_page(module_key: str) -> CoursePage:
    """Open a module: show its navigation and return the page for the notebook to use."""
    guard_kernel()
    page = CoursePage(module_key)
    page.header()
    return page
