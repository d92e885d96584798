"""Small pieces every page is built from, the learner's and the trainer's alike: status messages
announced to screen readers, download links, JSON file uploads and dates written
the same way on every system. Nothing here knows the
course or the journal.
"""

from __future__ import annotations

from .dates import long_date, long_date_time
from .downloads import download_link, json_upload
from .status import status_html

__all__ = ["download_link", "json_upload", "long_date", "long_date_time", "status_html"]
