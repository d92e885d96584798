"""The static site's builder and its Python side, without a browser: what the build refuses (and
what it leaves alone when it does), and the in-browser kernel's stand-in run under ordinary Python.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from widgets.site import build
from widgets.site.build import BuildError, build_site


@pytest.fixture
def no_downloads(monkeypatch, tmp_path):
    """A build with an empty cache, no npm, and pip never called."""
    monkeypatch.setattr(build.shutil, "which", lambda _name: None)
    monkeypatch.setattr(
        build, "_fetch_packages", lambda *_a: pytest.fail("the build fetched packages")
    )
    return tmp_path / "cache"


def test_without_pyodide_or_npm_the_build_says_what_to_do(no_downloads, tmp_path):
    with pytest.raises(BuildError) as raised:
        build_site(tmp_path / "site", cache=no_downloads)
    message = str(raised.value)
    assert "npm" in message and "--pyodide PATH" in message and "314.0.6" in message
    assert not (tmp_path / "site").exists()


def test_a_tarball_that_is_not_the_pinned_pyodide_is_refused(monkeypatch, tmp_path):
    fake = tmp_path / "pyodide-314.0.6.tgz"
    with tarfile.open(fake, "w:gz") as archive:
        data = b'{"version": "314.0.6"}'
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    monkeypatch.setattr(build, "_fetch_packages", lambda *_a: {})
    with pytest.raises(BuildError, match="checksum differs"):
        build_site(tmp_path / "site", pyodide=fake, cache=tmp_path / "cache")
    assert not (tmp_path / "site").exists()


def test_a_pyodide_folder_of_another_version_is_refused_before_anything_is_written(
    monkeypatch, tmp_path
):
    folder = tmp_path / "pyodide" / "package"
    folder.mkdir(parents=True)
    for name in build.PYODIDE_FILES:
        (folder / name).write_text("{}", encoding="utf-8")
    (folder / "package.json").write_text('{"version": "0.27.6"}', encoding="utf-8")
    monkeypatch.setattr(build, "_fetch_packages", lambda *_a: {})
    earlier = tmp_path / "site"
    earlier.mkdir()
    (earlier / "site.json").write_text("{}", encoding="utf-8")
    (earlier / "00_welcome.html").write_text("the earlier site", encoding="utf-8")
    with pytest.raises(BuildError, match=r"holds Pyodide 0\.27\.6; .* Pyodide 314\.0\.6"):
        build_site(earlier, pyodide=tmp_path / "pyodide", cache=tmp_path / "cache")
    # A failed build leaves the earlier site as it was, and nothing half-written beside it.
    assert (earlier / "00_welcome.html").read_text(encoding="utf-8") == "the earlier site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyodide", "site"]


def test_a_folder_that_holds_other_files_is_never_cleared(no_downloads, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "minutes.docx").write_text("not the course's", encoding="utf-8")
    with pytest.raises(BuildError, match="not a site this command built"):
        build_site(folder, pyodide=tmp_path / "nothing-here", cache=no_downloads)
    assert (folder / "minutes.docx").read_text(encoding="utf-8") == "not the course's"


def test_the_course_archive_is_the_same_bytes_every_time_and_holds_only_what_runs():
    packages: dict[str, Path] = {}
    first = build._archive(iter([*build._package_entries(packages), *build._course_entries()]))
    second = build._archive(iter([*build._package_entries(packages), *build._course_entries()]))
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert "widgets/site/inbrowser.py" in names and "widgets/pages/component.js" in names
    assert any(n.startswith("widgets/_exercises/") and n.endswith(".toml") for n in names)
    assert not [n for n in names if n.startswith(("widgets/kit/", "widgets/server/_jupyter/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "widgets/site/build.py" not in names


def test_json_in_a_page_cannot_close_its_script_element():
    text = build._json_in_html({"cells": ['print("</script><script>alert(1)</script>")']})
    assert "</script>" not in text and "<" not in text
    assert json.loads(text) == {"cells": ['print("</script><script>alert(1)</script>")']}


#: Runs in a Python of its own, as the browser's does: the page's half is a list of messages.
IN_BROWSER = textwrap.dedent(
    """
    import json, os, sys
    os.environ["SECURE_BASE_CACHE"] = sys.argv[1]
    from widgets.site import inbrowser
    sent = []
    inbrowser.start(lambda kind, text, buffers: sent.append((kind, json.loads(text), buffers)))
    assert inbrowser.run_cell(
        'from widgets.pages import course_page\\npage = course_page("availability")'
    )
    assert inbrowser.run_cell('page.reflect("general")')
    assert not inbrowser.run_cell('raise ValueError("a cell that fails")')
    opened = {
        m["content"]["comm_id"]: m["content"]["data"]["state"]
        for k, m, _ in sent if k == "comm_open"
    }
    stage = next(i for i, s in opened.items() if "boxes" in s)
    box = opened[stage]["boxes"][0]
    before = len(sent)
    edit = {"kind": "edit", "key": box["key"], "value": "Typed in the browser.", "seq": 1}
    message = {"method": "custom", "content": {**edit, "updated": ""}}
    ok = inbrowser.receive(stage, json.dumps(message), [])
    replies = [m for k, m, _ in sent[before:] if k == "comm_msg"]
    print(json.dumps({
        "displays": sum(1 for k, _, _ in sent if k == "display"),
        "store": os.environ["SECURE_BASE_STORE"], "site": os.environ["SECURE_BASE_SITE"],
        "ok": ok, "replies": len(replies),
        "kept": "Typed in the browser." in json.dumps(replies),
        "unknown": inbrowser.receive("no-such-widget", "{}", []),
        "malformed": inbrowser.receive(stage, "[not an object", []),
        "saved": any(m["content"]["data"].get("content", {}).get("saved") for m in replies),
    }))
    """
)


def test_the_browsers_python_shows_outputs_and_answers_the_page(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", IN_BROWSER, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["store"] == "browser" and result["site"] == "static"
    # The header's notices and bridge, and the stage's component (nav and heading are drawn by
    # the site itself), each a display for the cell being run.
    assert result["displays"] >= 2
    # A change from the page is answered ("saved") and goes to the browser's store.
    assert result["ok"] is True and result["saved"] is True and result["kept"] is True
    assert result["unknown"] is False and result["malformed"] is False


def test_the_preview_server_sends_the_types_and_cache_rules_a_host_should(tmp_path):
    import functools
    import threading
    import urllib.request
    from http.server import ThreadingHTTPServer

    from widgets.site.preview import SiteHandler

    for name in (
        "pyodide/314.0.6/pyodide.asm.mjs",
        "pyodide/314.0.6/pyodide.asm.wasm",
        "python/course-0123456789abcdef.zip",
        "01_availability.html",
        "static/runtime.js",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    handler = functools.partial(SiteHandler, directory=str(tmp_path))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/"

        def headers(name: str) -> tuple[str, str]:
            with urllib.request.urlopen(base + name) as response:
                return response.headers["Content-Type"], response.headers["Cache-Control"]

        try:
            forever = "public, max-age=31536000, immutable"
            assert headers("pyodide/314.0.6/pyodide.asm.mjs") == (
                "text/javascript; charset=utf-8",
                forever,
            )
            assert headers("pyodide/314.0.6/pyodide.asm.wasm") == ("application/wasm", forever)
            assert headers("python/course-0123456789abcdef.zip") == ("application/zip", forever)
            assert headers("01_availability.html") == ("text/html; charset=utf-8", "no-cache")
            assert headers("static/runtime.js") == ("text/javascript; charset=utf-8", "no-cache")
        finally:
            server.shutdown()
