"""A button that copies one piece of text to the clipboard, in the browser itself.

Each field of a CPD record goes into its own box of an online form, so each gets a button of its
own. The text travels with the button (``text``), so the copy happens in the browser the moment
it is pressed, as the clipboard requires, with no round trip to the kernel.
"""

from __future__ import annotations

from typing import Any

import traitlets

from .browser_widget import BrowserWidget
from .scripts import script

__all__ = ["CopyButton"]


class CopyButton(BrowserWidget):
    _esm = script("controls/copy.js")
    #: The text to copy.
    text = traitlets.Unicode("").tag(sync=True)
    #: A class of the text box whose value is copied, read in the browser as the button is
    #: pressed (``text`` is used where there is no such box).
    source_class = traitlets.Unicode("").tag(sync=True)
    #: What the button says, and its accessible name (which says what it copies).
    description = traitlets.Unicode("Copy").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    copied_message = traitlets.Unicode("Copied. Paste it into the matching box.").tag(sync=True)
    empty_message = traitlets.Unicode("There is nothing to copy yet.").tag(sync=True)
    failed_message = traitlets.Unicode(
        "Your browser did not let the course copy this. Select the text and copy it instead."
    ).tag(sync=True)

    def __init__(self, label: str, text: str = "", source_class: str = "", **kwargs: Any):
        super().__init__(label=label, text=text, source_class=source_class, **kwargs)
