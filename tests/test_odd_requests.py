"""Odd requests, as a careless or hostile visitor might send them: odd addresses get the course's
own 400 or 404 page, never a 500, and messages sent straight to a page's kernel get back at most
a plain refusal. Tracebacks stay in the server's log."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import CourseServer

ODD_ADDRESSES = [
    ("/voila/render/00_welcome.ipynb%00", 400),
    ("/voila/render/00_welcome.ipynb%0d%0aSet-Cookie:%20x=1", 400),
    ("/voila/render/%ff.ipynb", 400),
    ("/voila/templates/", 404),
    ("/voila/templates/secure-base/", 404),
    ("/voila/templates/secure-base/static/", 404),
    ("/voila/templates/secure-base/static/%00", 400),
    ("/voila/templates/secure-base/static/no-such.css", 404),
    ("/voila/templates/..%2F..%2F/static/x", 404),
    ("/voila/render/../../etc/passwd", 404),
    ("/voila/labextensions/no-such.js", 404),
    ("/no/such/page", 404),
    ("/secure-base/scripts/", 404),
    ("/secure-base/scripts/0123/", 404),
    ("/secure-base/scripts/0123/pages/no_such.js", 404),
    ("/secure-base/scripts/0123/pages/component.py", 404),
    ("/secure-base/scripts/0123/pages/component.js,..%2F..%2Fsettings.js", 404),
    ("/secure-base/scripts/0123/pages/%00.js", 400),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    course = CourseServer(tmp_path_factory.mktemp("odd") / "journal.json")
    yield course
    course.stop()


def fetch(server: CourseServer, path: str) -> tuple[int, str]:
    token = server.url.partition("?")[2]
    url = f"http://127.0.0.1:{server.port}{path}" + (f"?{token}" if token else "")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - our own server
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.mark.parametrize(("path", "status"), ODD_ADDRESSES)
def test_an_odd_address_gets_the_course_s_own_page_never_a_500(server, path, status):
    before = len(server.output)
    code, body = fetch(server, path)
    assert code == status, body[:300]
    assert '<html lang="en-GB">' in body and "Team as a Secure Base" in body
    assert "Go to the start of the course" in body
    assert "Traceback" not in body and "site-packages" not in body
    time.sleep(0.3)  # let the server's log catch up
    log = "".join(server.output[before:])
    assert "Traceback" not in log and not re.search(r"\b500 (GET|HEAD|POST)\b", log), log


def test_real_pages_and_files_are_still_served(server):
    code, body = fetch(server, "/voila/render/00_welcome.ipynb")
    assert code == 200 and "kernelId" in body
    # British English from the first byte, and nothing the page would fetch from elsewhere.
    assert re.search(r"<!DOCTYPE html>\s*<html lang=\"en-GB\">", body)
    fetched = re.findall(r'(?:src|href)="(https?:[^"]+)"|import\("(https?:[^"]+)"\)', body)
    assert [u for pair in fetched for u in pair if u and "127.0.0.1" not in u] == []
    assert "cdnjs" not in body and "mermaid" not in body
    css = re.search(r'href="(/voila/templates/secure-base/static/course\.css[^"]*)"', body)
    assert css, "the page links the course's stylesheet"
    code, text = fetch(server, css.group(1).split("?")[0])
    assert code == 200 and ".sb-nav" in text


def test_a_component_s_script_is_served_as_a_file_kept_while_it_is_unchanged(server):
    from widgets.controls.scripts import script

    reflection = script("pages/component.js", "pages/reflection.js")
    with urllib.request.urlopen(  # noqa: S310 - our own server
        f"http://127.0.0.1:{server.port}{reflection.address('/secure-base/scripts/')}", timeout=60
    ) as response:
        assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert "immutable" in response.headers["Cache-Control"]
        assert response.read().decode("utf-8") == str(reflection)
    # An address made before the course changed still draws the component, but is not kept.
    stale = f"http://127.0.0.1:{server.port}/secure-base/scripts/0123/pages/component.js"
    with urllib.request.urlopen(stale, timeout=60) as response:  # noqa: S310 - our own server
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.read().decode("utf-8") == str(script("pages/component.js"))


def _message(msg_type: str, content: object) -> dict[str, object]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "username": "visitor",
            "session": uuid.uuid4().hex,
            "msg_type": msg_type,
            "version": "5.3",
            "date": "",
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "content": content,
        "buffers": [],
    }


WIDGET = {
    "_model_name": "TextModel",
    "_model_module": "@jupyter-widgets/controls",
    "_model_module_version": "2.0.0",
    "_view_name": "TextView",
    "_view_module": "@jupyter-widgets/controls",
    "_view_module_version": "2.0.0",
}


def test_comm_messages_sent_straight_to_a_kernel_get_no_traceback_back(server):
    """Unknown targets, malformed opens, messages to comms that do not exist, a widget of a model
    that does not exist, and a real widget sent a value of the wrong type."""
    from tornado.websocket import websocket_connect

    before = len(server.output)
    code, page = fetch(server, "/voila/render/07_accessibility.ipynb")
    assert code == 200
    kernel = re.search(r'kernelId": "([0-9a-f-]+)"', page).group(1)
    token = server.url.partition("?")[2]
    channels = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels?{token}"
    real = uuid.uuid4().hex
    probes = [
        _message("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "no.such", "data": {}}),
        _message("comm_open", {"comm_id": uuid.uuid4().hex, "data": {}}),
        _message("comm_open", {"comm_id": 7, "target_name": "jupyter.widget", "data": {}}),
        _message(
            "comm_open",
            {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget", "data": "nonsense"},
        ),
        _message(
            "comm_open",
            {
                "comm_id": uuid.uuid4().hex,
                "target_name": "jupyter.widget",
                "data": {"state": {"_model_name": "NoSuchModel"}},
            },
        ),
        _message("comm_msg", {"comm_id": uuid.uuid4().hex, "data": {"method": "update"}}),
        _message("comm_close", {"comm_id": uuid.uuid4().hex, "data": {}}),
        _message(
            "comm_open",
            {"comm_id": real, "target_name": "jupyter.widget", "data": {"state": WIDGET}},
        ),
        _message(
            "comm_msg",
            {"comm_id": real, "data": {"method": "update", "state": {"value": {"not": "text"}}}},
        ),
    ]

    async def send() -> list[dict]:
        connection = await websocket_connect(channels)
        for probe in probes:
            await connection.write_message(json.dumps(probe))
        seen = []
        try:
            while True:
                message = await asyncio.wait_for(connection.read_message(), 4)
                if message is None:
                    break
                seen.append(json.loads(message))
        except TimeoutError:
            pass
        connection.close()
        return seen

    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(asyncio.run, send()).result()
    text = json.dumps(seen)
    assert "Traceback" not in text and "site-packages" not in text and 'File \\"' not in text
    kinds = {m["msg_type"] for m in seen}
    assert "error" not in kinds
    assert not [m for m in seen if m["msg_type"] == "stream"], "the kernel wrote to the page"
    # The kernel did refuse the unknown target, plainly.
    assert "comm_close" in kinds
    # What went wrong is in the server's log, for whoever runs the course.
    deadline = time.monotonic() + 10
    while True:  # the server's log catches up on its own time
        log = "".join(server.output[before:])
        said = "No such comm target registered" in log or "malformed comm_open" in log
        if said or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert said, log
