"""Dates as the course writes them, the same on every system.

The strftime format for a day without its leading zero (a dash after the percent sign) exists
on Linux and macOS but not on Windows, so the day is written from the number itself.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["long_date", "long_date_time"]


def long_date(moment: datetime) -> str:
    """``2 December 2026``."""
    return f"{moment.day} {moment:%B %Y}"


def long_date_time(moment: datetime) -> str:
    """``2 December 2026, 14:05``."""
    return f"{long_date(moment)}, {moment:%H:%M}"
