"""The base of every widget the course draws with its own script: anywidget's front end, lighter.

The course's components speak anywidget's protocol: the model and view are anywidget's
``AnyModel`` and ``AnyView``, and the ES module in ``_esm`` draws the widget. The browser half
is anywidget's own front end, installed with the ``anywidget`` package. The Python half is this
small class instead of ``anywidget.AnyWidget``, because every page's kernel imports it and a
page makes a dozen of these widgets:

- importing ``anywidget`` costs a page's kernel about 15 ms (most of it ``psygnal``, for
  watching script files change, which a course never needs);
- ``AnyWidget`` adds its ``_esm`` trait to each widget as it is made, which makes a new class
  for every widget; here each class declares its script once;
- a script made of the package's files (:func:`~.scripts.script`) is fetched by the browser once
  for every widget of its kind, where the server serves the scripts (see :mod:`.scripts`).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution
from typing import Any

import ipywidgets
import traitlets

from .scripts import Script

__all__ = ["BrowserWidget", "front_end_version"]


@cache
def front_end_version() -> str:
    """The range of anywidget's front end these widgets need, as ``AnyWidget`` states it."""
    try:
        # The version line of the package's metadata, read directly: ``version()`` would parse
        # the whole file with the email package, which a page's kernel otherwise never loads.
        metadata = distribution("anywidget").read_text("METADATA") or ""
    except PackageNotFoundError:  # pragma: no cover - anywidget is a dependency
        return "*"
    found = re.search(r"^Version:[ \t]*(\S+)", metadata, re.MULTILINE)
    if found is None:  # pragma: no cover - every installed package states its version
        return "*"
    installed = found.group(1)
    major, minor, rest = (installed.split(".", 2) + ["0", "0"])[:3]
    if "a" in rest or "b" in rest or "rc" in rest:
        return installed
    return f"~{major}.{minor}.*"


class _DeclaresScript(traitlets.MetaHasTraits):
    """Makes a class's ``_esm`` text a synced trait of the class itself, declared once.

    A :class:`~.scripts.Script` gives each widget what :meth:`~.scripts.Script.for_page` says
    when the widget is made: an import of the served script where the server serves them.
    """

    def __new__(  # noqa: N804
        mcls, name: str, bases: tuple[type, ...], classdict: dict[str, Any], **kw: Any
    ) -> traitlets.MetaHasDescriptors:
        source = classdict.get("_esm")
        if isinstance(source, str):
            classdict["_esm"] = traitlets.Unicode(str(source)).tag(sync=True)
            if isinstance(source, Script):

                @traitlets.default("_esm")
                def _esm_for_page(self: Any) -> str:
                    return source.for_page()

                classdict["_esm_for_page"] = _esm_for_page
        return super().__new__(mcls, name, bases, classdict, **kw)


class BrowserWidget(ipywidgets.DOMWidget, metaclass=_DeclaresScript):
    """A widget drawn in the browser by the ES module in its ``_esm``.

    A subclass sets ``_esm`` to its module's text, as with ``anywidget.AnyWidget``.
    """

    _model_name = traitlets.Unicode("AnyModel").tag(sync=True)
    _model_module = traitlets.Unicode("anywidget").tag(sync=True)
    _model_module_version = traitlets.Unicode(front_end_version()).tag(sync=True)
    _view_name = traitlets.Unicode("AnyView").tag(sync=True)
    _view_module = traitlets.Unicode("anywidget").tag(sync=True)
    _view_module_version = traitlets.Unicode(front_end_version()).tag(sync=True)
    #: Which kind of widget this is, for anywidget's front end (its styles are kept under it).
    _anywidget_id = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("_anywidget_id", f"{type(self).__module__}.{type(self).__qualname__}")
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        # ipywidgets' own repr reads every trait; a page's log needs only which widget it is.
        return object.__repr__(self)
