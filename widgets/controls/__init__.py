"""Small pieces every page is built from, the learner's and the trainer's alike: status messages
announced to screen readers, download links, file buttons that check sizes in the browser,
bounded JSON reading, and dates written the same way on every system. Nothing here knows the
course or the journal.
"""

from __future__ import annotations

from .copy import CopyButton
from .dates import long_date, long_date_time
from .downloads import download_link
from .jsonfile import JsonFileError, read_json, size_text
from .links import SITE_ENV, on_static_site, page_href
from .status import status_html
from .upload import FileButton, Uploaded

__all__ = [
    "SITE_ENV",
    "CopyButton",
    "FileButton",
    "JsonFileError",
    "Uploaded",
    "download_link",
    "long_date",
    "long_date_time",
    "on_static_site",
    "page_href",
    "read_json",
    "size_text",
    "status_html",
]
