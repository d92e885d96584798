"""What a learner sees: the components of a course page, each a view of the session's journal.

- :mod:`.page`: a module of the course (:func:`course_page`), what its notebook calls;
- :mod:`.frame`: the stylesheet, the navigation and the Binder notice around every page;
- :mod:`.reflection`: a prompt and its reflection box;
- :mod:`.assessment`: the self-assessment;
- :mod:`.player`: the scenario player;
- :mod:`.actions`: the action form and the action plan;
- :mod:`.profile`: the profile on the closing page;
- :mod:`.panels`: download the journal, load a journal file, delete everything.
"""

from __future__ import annotations

from .page import CoursePage, course_page

__all__ = ["CoursePage", "course_page"]
