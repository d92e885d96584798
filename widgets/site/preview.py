"""``secure-base preview-static FOLDER``: the static site served on this computer alone.

Any static file server serves the site; this one is for trying it out before it goes on the
organisation's server, on Windows, macOS and Linux alike. It sends the headers the README asks
a host for: JavaScript and WebAssembly with their own types (whatever the system's registry of
file types says, which on some Windows computers calls ``.js`` plain text), the runtime and the
course's Python kept by the browser for a year (their names change when they change), and the
pages checked again on every visit.
"""

from __future__ import annotations

import functools
import re
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["CACHE_RULES", "SiteHandler", "serve_site"]

#: What each kind of file is, whatever this computer's own registry of file types says.
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
}
#: How long a browser may keep each part of the site (the README gives the same to hosts).
CACHE_RULES = (
    (
        re.compile(r"^/(pyodide/[^/]+/|python/course-[0-9a-f]+\.zip$)"),
        "public, max-age=31536000, immutable",
    ),
    (re.compile(r""), "no-cache"),
)


class SiteHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | object) -> str:
        return TYPES.get(Path(str(path)).suffix, "application/octet-stream")

    def end_headers(self) -> None:
        where = self.path.split("?", 1)[0]
        rule = next(value for pattern, value in CACHE_RULES if pattern.search(where))
        self.send_header("Cache-Control", rule)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


def serve_site(folder: Path, port: int) -> None:
    """Serve ``folder`` on 127.0.0.1 until Ctrl-C."""
    handler = functools.partial(SiteHandler, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(
            f"The course's static site is at http://127.0.0.1:{server.server_port}/ "
            "(press Ctrl-C to stop)."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
