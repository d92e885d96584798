"""The course as a static website, with Python running in the learner's own browser.

- :mod:`.build`: ``secure-base build-static FOLDER`` writes the site (pages, Pyodide, the
  course's Python and its packages, all pinned).
- :mod:`.inbrowser`: the course's Python side in the browser, which stands in for a kernel.
- ``static/runtime.js``: the page's side, which stands in for Voilà and the widget manager.
"""
