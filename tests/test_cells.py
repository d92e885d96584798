"""A page's code cells run in one request to its kernel, each cell keeping its own outputs."""

from __future__ import annotations

import ast
import asyncio
import threading
from typing import Any

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from widgets.server.cells import (
    CELL_END,
    _split,
    batch_source,
    can_run_together,
    output_from_msg,
    run_cells_together,
)

CELLS = [
    ("code", "x = 6\nprint('first', x)"),
    ("markdown", "## A passage of prose"),
    ("code", "from IPython.display import HTML, display\ndisplay(HTML('<b>shown</b>'))\nx * 7"),
    ("markdown", "More prose."),
    ("code", "import sys\nprint('careful', file=sys.stderr)\nx"),
    ("code", ""),
    ("code", "%config InteractiveShell.ast_node_interactivity = 'last_expr'\n'magic ran'"),
    ("code", "print('quotes \\' \\\" \\\\ and café 😀')"),
]


def notebook(cells: list[tuple[str, str]]) -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    nb.cells = [make[kind](source) for kind, source in cells]
    return nb


def run_page(
    nb: Any, *, together: bool, show_tracebacks: bool = True, timeout: int | None = None
) -> tuple[list[Any], Any, int]:
    """Run a notebook's cells as Voilà's page generator does; the cells it yielded, the error
    that stopped it (if any) and how many requests the kernel was sent."""
    import voila.notebook_renderer as renderer
    from jupyter_client.manager import AsyncKernelManager
    from voila.execute import VoilaExecutor

    async def go() -> tuple[list[Any], Any, int]:
        km = AsyncKernelManager(kernel_name="python3")
        await km.start_kernel()
        executor_class = renderer.VoilaExecutor if together else VoilaExecutor
        executor = executor_class(nb, km=km, show_tracebacks=show_tracebacks, timeout=timeout)
        executor.kc = await executor.async_start_new_kernel_client()
        done, stopped = [], None
        try:
            for index, cell in enumerate(nb.cells):
                try:
                    done.append(await executor.execute_cell(cell, None, index, store_history=False))
                except TimeoutError as error:
                    stopped = error
                    done.append(cell)
                    break
                except CellExecutionError as error:
                    stopped = error
                    if executor.should_strip_error():
                        executor.strip_code_cell_errors(cell)
                    done.append(cell)
                    break
            return done, stopped, executor.code_cells_executed
        finally:
            executor.kc.stop_channels()
            await km.shutdown_kernel(now=True)

    # In a thread of its own: the browser tests' Playwright keeps an event loop running in
    # this one for the whole session, and asyncio.run() refuses to start beside it.
    result: list[tuple[list[Any], Any, int]] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(go()))
        except BaseException as error:  # noqa: BLE001 - raised again below, in the test
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


def outputs(cells: list[Any]) -> list[list[dict[str, Any]]]:
    """Each cell's outputs, without what differs from run to run (counts, object addresses)."""
    found = []
    for cell in cells:
        kept = []
        for output in cell.get("outputs", []):
            output = dict(output)
            output.pop("execution_count", None)
            if output.get("output_type") == "execute_result":
                output["output_type"] = "display_data"  # the same output, drawn the same way
            kept.append(output)
        found.append(kept)
    return found


@pytest.fixture(autouse=True, scope="module")
def _installed() -> None:
    run_cells_together()


def test_the_cells_run_in_one_request_and_each_keeps_its_own_outputs() -> None:
    alone, stopped_alone, requests_alone = run_page(notebook(CELLS), together=False)
    together, stopped, requests = run_page(notebook(CELLS), together=True)

    assert stopped is stopped_alone is None
    assert requests_alone == 5 and requests == 1
    assert outputs(together) == outputs(alone)
    texts = [
        [o.get("text") or o.get("data", {}).get("text/plain") for o in c] for c in outputs(together)
    ]
    assert texts == [
        ["first 6\n"],
        [],
        ["<IPython.core.display.HTML object>", "42"],
        [],
        ["careful\n", "6"],
        [],
        ["'magic ran'"],
        ["quotes ' \" \\ and café 😀\n"],
    ]
    assert not any(CELL_END in o.get("data", {}) for c in together for o in c.get("outputs", []))


ORDER = [
    (
        "code",
        "from IPython.display import HTML, display\nprint('before')\ndisplay(HTML('<i>one</i>'))\n"
        "print('between')\ndisplay(HTML('<i>two</i>'))\nprint('after')",
    ),
    ("code", "import sys\nsys.stderr.write('warned\\n')\ndisplay(HTML('<i>three</i>'))"),
    ("code", "display(HTML('<i>nothing printed</i>'))\ndisplay(HTML('<i>again</i>'))"),
    ("code", "print('left in the buffer', end='')"),
    ("code", "display(HTML('<i>after it</i>'))\nprint('last')"),
]


def test_what_a_cell_prints_and_shows_keeps_its_order_as_in_voila() -> None:
    alone, _, _ = run_page(notebook(ORDER), together=False)
    together, stopped, requests = run_page(notebook(ORDER), together=True)
    assert stopped is None and requests == 1
    assert outputs(together) == outputs(alone)
    texts = [
        [o.get("text") or o.get("data", {}).get("text/html") for o in c] for c in outputs(together)
    ]
    assert texts == [
        ["before\n", "<i>one</i>", "between\n", "<i>two</i>", "after\n"],
        ["warned\n", "<i>three</i>"],
        ["<i>nothing printed</i>", "<i>again</i>"],
        ["left in the buffer"],
        ["<i>after it</i>", "last\n"],
    ]


def test_a_failing_cell_stops_the_page_as_voila_stops_it() -> None:
    cells = [
        ("code", "print('before')"),
        ("code", "print('partly')\n1 / 0"),
        ("code", "print('never run')"),
    ]
    alone, stopped_alone, _ = run_page(notebook(cells), together=False)
    together, stopped, requests = run_page(notebook(cells), together=True)

    assert requests == 1
    assert isinstance(stopped, CellExecutionError) and "ZeroDivisionError" in str(stopped)
    assert isinstance(stopped_alone, CellExecutionError)
    assert len(together) == len(alone) == 2  # the page stopped at the failing cell
    assert (
        outputs(together)[0]
        == outputs(alone)[0]
        == [{"output_type": "stream", "name": "stdout", "text": "before\n"}]
    )
    failed = outputs(together)[1]
    assert [o["output_type"] for o in failed] == ["stream", "error"]
    assert failed[1]["ename"] == "ZeroDivisionError"


def test_cells_that_run_too_long_together_stop_the_page_with_voila_s_message() -> None:
    cells = [("code", "print('quick')"), ("code", "import time\ntime.sleep(30)")]
    together, stopped, _ = run_page(notebook(cells), together=True, timeout=1)
    assert isinstance(stopped, TimeoutError)
    assert together[0].outputs[0]["output_type"] == "error"
    assert "timed out" in together[0].outputs[0]["traceback"][0]


def test_a_learner_sees_no_traceback_when_tracebacks_are_hidden() -> None:
    cells = [("code", "print('fine')"), ("code", "raise ValueError('/home/server/secret')")]
    together, stopped, _ = run_page(notebook(cells), together=True, show_tracebacks=False)
    assert stopped is not None
    shown = str(outputs(together))
    assert "/home/server/secret" not in shown and "ExecutionError" in shown


def test_only_notebooks_that_give_the_same_result_are_run_together() -> None:
    assert can_run_together(notebook(CELLS))
    assert not can_run_together(notebook([("code", "1")]))  # one cell: nothing to gain
    assert not can_run_together(notebook([("code", "1"), ("code", "await asyncio.sleep(0)")]))
    for alone in (
        "from IPython.display import clear_output\nclear_output()",
        "display('x', display_id='shown')",
        "handle.update_display('y')",
    ):
        assert not can_run_together(notebook([("code", "1"), ("code", alone)])), alone
    tagged = notebook([("code", "1"), ("code", "2")])
    tagged.cells[1].metadata["tags"] = ["raises-exception"]
    assert not can_run_together(tagged)
    other = notebook([("code", "1"), ("code", "2")])
    other.metadata["kernelspec"]["language"] = "R"
    assert not can_run_together(other)


def test_a_cell_s_source_reaches_the_kernel_exactly_as_written() -> None:
    sources = [r"""print('quote \' and " and \\ and \n, café 😀')""", "'''three'''"]
    call = ast.parse(batch_source(sources)).body[1]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    assert ast.literal_eval(call.value.args[0]) == sources


def test_voila_s_executor_is_changed_once_and_keeps_voila_s_own_behaviour() -> None:
    import voila.notebook_renderer as renderer
    from voila.execute import VoilaExecutor

    run_cells_together()
    run_cells_together()  # a second call changes nothing
    executor_class = renderer.VoilaExecutor
    assert executor_class.runs_cells_together
    assert executor_class.__mro__[1] is VoilaExecutor


def _message(kind: str, **content: Any) -> dict[str, Any]:
    return {"header": {"msg_type": kind}, "content": content}


WIDGET_VIEW = {"model_id": "a1", "version_major": 2, "version_minor": 0}
OUTPUTS = [
    _message("stream", name="stdout", text="first 6\n"),
    _message("stream", name="stderr", text=["two ", "lines\n"]),
    _message(
        "display_data",
        data={"application/vnd.jupyter.widget-view+json": WIDGET_VIEW, "text/plain": "Box()"},
        metadata={},
        transient={},
    ),
    _message("display_data", data={"text/html": ["<b>", "shown</b>"]}, metadata={"isolated": 1}),
    _message("display_data", data={"application/json": [1, {"a": None}]}, metadata={}),
    _message("execute_result", data={"text/plain": "42"}, metadata={}, execution_count=3),
    _message("execute_result", data={"text/plain": "42"}, metadata={}, execution_count=None),
    _message("error", ename="ZeroDivisionError", evalue="division by zero", traceback=["a", "b"]),
]
REFUSED = [
    _message("stream", name="stdout", text=7),
    _message("stream", name=["stdout"], text="x"),
    _message("display_data", data={"text/html": {"not": "text"}}, metadata={}),
    _message("display_data", data={"text/html": ["<b>", 1]}, metadata={}),
    _message("display_data", data="text", metadata={}),
    _message("display_data", data={"text/plain": "x"}, metadata=[]),
    _message("execute_result", data={"text/plain": "x"}, metadata={}, execution_count=-1),
    _message("execute_result", data={"text/plain": "x"}, metadata={}, execution_count="3"),
    _message("error", ename="E", evalue=None, traceback=[]),
    _message("error", ename="E", evalue="v", traceback="one line"),
]


@pytest.mark.parametrize("msg", OUTPUTS, ids=lambda m: m["header"]["msg_type"])
def test_each_output_is_made_exactly_as_nbformat_makes_it(msg: dict[str, Any]) -> None:
    import json

    from nbformat.v4 import output_from_msg as nbformat_output

    ours, theirs = output_from_msg(msg), nbformat_output(msg)
    assert ours == theirs
    assert json.dumps(ours) == json.dumps(theirs)  # the same fields, in the same order
    assert type(ours) is type(theirs) and type(ours.get("data")) is type(theirs.get("data"))


@pytest.mark.parametrize("msg", REFUSED, ids=lambda m: m["header"]["msg_type"])
def test_an_output_the_schema_refuses_is_refused_as_nbformat_refuses_it(
    msg: dict[str, Any],
) -> None:
    from nbformat import ValidationError

    with pytest.raises(ValidationError):
        output_from_msg(msg)


def test_a_message_that_is_no_output_is_refused_as_nbclient_expects() -> None:
    with pytest.raises(ValueError, match="Unrecognized output msg type"):
        output_from_msg(_message("status", execution_state="busy"))
    with pytest.raises(KeyError):
        output_from_msg(_message("stream", name="stdout"))


def test_nbclient_makes_its_outputs_with_the_course_s_function() -> None:
    import nbclient.client

    run_cells_together()
    assert nbclient.client.output_from_msg is output_from_msg  # type: ignore[attr-defined]


def _text(words: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": words}


def _mark(cell: int) -> dict[str, Any]:
    return {"output_type": "display_data", "metadata": {}, "data": {CELL_END: {"cell": cell}}}


def test_each_output_goes_to_the_cell_its_parent_header_names() -> None:
    a, b, c, d = _text("a"), _text("b"), _text("c"), _text("d")
    # Cell 1 printed nothing; cell 2's stream came after cell 3's; d names no cell, so it is
    # the last named cell's (a thread's output, say); a cell's own mark-alike stays its own.
    named = [(a, 0), (c, 3), (b, 2), (d, None), (_mark(3), 3)]
    assert _split(named, 4) == [[a], [], [b, d], [c, _mark(3)]]
    for wrong in (4, -1, "1", True):
        with pytest.raises(RuntimeError, match="could not be told apart"):
            _split([(a, wrong)], 4)


def test_where_the_kernel_marks_the_ends_of_cells_each_mark_ends_its_own_cell() -> None:
    a, b = _text("a"), _text("b")
    marked = [(a, None), (_mark(0), None), (_mark(1), None), (_mark(0), None), (b, None)]
    # The second mark for cell 0 came from cell 2 itself: it is that cell's output.
    assert _split(marked, 3) == [[a], [], [_mark(0), b]]
    with pytest.raises(RuntimeError, match="could not be told apart"):
        _split([(_mark(0), None), (_mark(1), None), (a, None)], 2)


class _Publisher:
    def _flush_streams(self) -> None:
        """ipykernel's: flush stdout and stderr before a display."""


class _Shell:
    """Just enough of an IPython shell for the runner: each cell's source and the parent header
    it ran under; a source that says so fails."""

    def __init__(self, parent: dict[str, Any] | None) -> None:
        self.ran: list[tuple[str, Any]] = []
        self.display_pub = _Publisher()
        self.flushes_replaced: list[bool] = []
        if parent is not None:
            self.parent = parent
            self.get_parent = lambda: self.parent
            self.set_parent = self._set_parent

    def _set_parent(self, parent: dict[str, Any]) -> None:
        self.parent = parent

    def run_cell(self, source: str, store_history: bool) -> Any:
        self.flushes_replaced.append("_flush_streams" in vars(self.display_pub))
        header = getattr(self, "parent", None)
        self.ran.append((source, header))
        return type("Result", (), {"success": source != "fails"})()


def _run_runner(shell: _Shell, sources: list[str], monkeypatch: Any) -> list[Any]:
    import IPython
    import IPython.display

    published: list[Any] = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(IPython.display, "publish_display_data", published.append)
    exec(batch_source(sources), {})  # noqa: S102 - the course's own runner
    return published


def test_the_runner_names_each_cell_in_its_parent_header_and_restores_the_request_s(
    monkeypatch: Any,
) -> None:
    from widgets.server.cells import CELL

    request = {"header": {"msg_id": "m1", "msg_type": "execute_request"}, "content": {}}
    shell = _Shell(request)
    published = _run_runner(shell, ["a", "fails", "never"], monkeypatch)
    assert shell.ran == [
        ("a", {"msg_id": "m1", "msg_type": "execute_request", CELL: 0}),
        ("fails", {"msg_id": "m1", "msg_type": "execute_request", CELL: 1}),
    ]
    assert shell.parent is request  # the request's own parent once the cells have run
    # While the cells ran, displays flushed only streams with something to send; after, as before.
    assert shell.flushes_replaced == [True, True]
    assert "_flush_streams" not in vars(shell.display_pub)
    assert published == []  # no marks: the parent headers tell the cells apart


def test_a_shell_that_takes_no_parent_header_gets_marks_between_its_cells(
    monkeypatch: Any,
) -> None:
    shell = _Shell(None)
    published = _run_runner(shell, ["a", "b", "fails", "never"], monkeypatch)
    assert [source for source, _ in shell.ran] == ["a", "b", "fails"]
    assert published == [{CELL_END: {"cell": 0}}, {CELL_END: {"cell": 1}}, {CELL_END: {"cell": 2}}]
