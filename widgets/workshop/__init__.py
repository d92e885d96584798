"""Workshops: a room of learners sharing their ratings anonymously with a trainer.

- :mod:`.cohort`: the cohort store (SQLite, or any database SQLAlchemy reaches) and share files;
- :mod:`.share`: the learner's side, the page "Share with your workshop";
- :mod:`.dashboard`: the trainer's dashboard and the cohort's summary page;
- :mod:`.servers`: ``secure-base workshop``, the learners' and the trainer's Voilà servers.
"""

from __future__ import annotations

from .dashboard import show_dashboard
from .share import share_panel

__all__ = ["share_panel", "show_dashboard"]
