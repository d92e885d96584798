"""Team as a Secure Base: the Python package every course notebook uses.

A module notebook starts with::

    from widgets.pages import course_page
    page = course_page("availability")

and then calls ``page.reflect("general")`` and the like where the course needs them. The
package follows the flow of data, each layer importing only those below it (the contracts in
``pyproject.toml`` are checked by the test suite):

- ``cli``: the ``secure-base`` command;
- ``workshop`` and ``kit``: a room of learners and its trainer; the facilitator's kit;
- ``pages``: what a learner sees;
- ``reports`` and ``server``: the journal read against the course (profiles, summaries, the
  export); how the course is served (settings, template, stylesheets);
- ``journal``: the learner's record and where it is kept;
- ``content`` and ``controls``: the course as data; small pieces every page is built from.
"""

__version__ = "0.1.0"
