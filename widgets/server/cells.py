"""A page's code cells run in one request to its kernel, not one request a cell.

Voilà runs a notebook's code cells one by one, each a round trip: the server sends an execute
request, then waits for the kernel's busy status, the echoed input, the cell's outputs, the
reply and the idle status before it sends the next. A course module has nine code cells between
its passages of prose, and measured on the course's server that was about 5 ms of the server's
CPU and 4 ms of the kernel's for each cell, whatever the cell did: the price of the layout,
paid by every learner on every page, on a server that is one process for everyone.

:func:`run_cells_together` has Voilà's executor send a page's code cells in one request. The
kernel runs each cell's source as IPython runs a cell (its last expression displayed, an error
shown as a traceback), its outputs sent under a parent header that also names the cell, so the
server hands each cell its own outputs and Voilà draws the page as before, each output under
its passage. The request's own header is untouched (the cell's number is one more field), so
nbclient still takes every output as the request's. A kernel whose shell cannot be given a
parent header marks the end of each cell's outputs with an output of its own instead, which the
server never draws. As Voilà does, a cell that fails stops the run: the cells after it are left
empty.

While the cells run, a display flushes only the streams that have something to send. ipykernel
flushes stdout and stderr before every display, so that what a cell printed comes before it,
and each flush is a round trip to the kernel's IO thread: measured, 0.45 ms of the kernel's CPU
a display even with nothing to send. A stream is passed over only when nothing has been written
to it and nothing has flushed it since the runner's own last flush (its buffer is the same,
empty one and no flush is pending); in any other case, or on a stream of another kind, it is
flushed as before.

A notebook the course cannot run this way is run cell by cell, as Voilà does: a kernel that is
not Python; a cell with tags (nbclient reads some of them: ``skip-execution``,
``raises-exception``); a cell that awaits at its top level, which only a cell of its own can; or
a cell that may clear or replace outputs already shown (``clear_output``, a ``display_id``),
since the server would apply that to the one request's outputs, not to the cell's own.

The server also takes each output from its message more cheaply (:func:`output_from_msg`).
nbformat checks every output against the notebook schema as it makes it, through
``jsonschema`` (the schema's sub-definitions keep it off its fast validator), and measured on
the course's server that was about a tenth of the server's CPU for a module's page. The same
checks, written out for the four kinds of output, cost a few microseconds; an output they do
not pass is made by nbformat's own function, which refuses it just as before.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "ALONE",
    "CELL",
    "CELL_END",
    "batch_source",
    "can_run_together",
    "output_from_msg",
    "run_cells_together",
]

#: The field of an output's parent header that names the cell it came from.
CELL = "secure_base_cell"
#: The media type of the output that marks the end of a cell's outputs, where the kernel's
#: shell cannot name the cell in the parent header; never drawn.
CELL_END = "application/vnd.secure-base.cell-end+json"

#: Words in a cell that keep its notebook running cell by cell (see above).
ALONE = ("await", "clear_output", "display_id", "update_display")

_RUNNER = """\
def _secure_base_run_cells(sources):
    import sys
    from IPython import get_ipython
    from IPython.display import publish_display_data
    shell = get_ipython()
    parent = shell.get_parent() if hasattr(shell, "set_parent") else None
    header = parent.get("header", parent) if isinstance(parent, dict) else None
    publisher = getattr(shell, "display_pub", None)
    own = getattr(publisher, "__dict__", {})
    flushed = {}

    def flush_written():
        for stream in (sys.stdout, sys.stderr):
            buffers = getattr(stream, "_buffers", None)
            if (
                buffers is not None
                and buffers is flushed.get(id(stream))
                and not buffers
                and getattr(stream, "_flush_pending", True) is False
            ):
                continue
            if stream is not None:
                stream.flush()
                flushed[id(stream)] = getattr(stream, "_buffers", None)

    if "_flush_streams" not in own and hasattr(publisher, "_flush_streams"):
        flush_written()
        publisher._flush_streams = flush_written
    try:
        for number, source in enumerate(sources):
            if header is not None:
                shell.set_parent({**header, %(cell)r: number})
            result = shell.run_cell(source, store_history=False)
            if header is None:
                publish_display_data({%(mime)r: {"cell": number}})
            if not result.success:
                break
    finally:
        if header is not None:
            shell.set_parent(parent)
        if own.get("_flush_streams") is flush_written:
            del publisher._flush_streams
_secure_base_run_cells(%(sources)s)
del _secure_base_run_cells
"""


def batch_source(sources: list[str]) -> str:
    """The one cell that runs these cells' sources in turn, each one's outputs told apart."""
    return _RUNNER % {"cell": CELL, "mime": CELL_END, "sources": repr(list(sources))}


def _code(cell: Any) -> bool:
    return bool(cell.get("cell_type") == "code" and str(cell.get("source", "")).strip())


def can_run_together(notebook: Any) -> bool:
    """Whether this notebook's code cells can run in one request with the same results."""
    language = notebook.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    if language != "python":
        return False
    code = [cell for cell in notebook.get("cells", []) if _code(cell)]
    return len(code) > 1 and not any(
        cell.get("metadata", {}).get("tags") or any(word in cell["source"] for word in ALONE)
        for cell in code
    )


def _split(outputs: list[tuple[Any, Any]], cells: int) -> list[list[Any]]:
    """Each cell's outputs, in order, from the one cell's, each with the cell its parent header
    names (``None`` where it names none). An output that names no cell is its cell's, the last
    one named; where the kernel marks the ends of cells instead, a mark ends a cell's outputs
    only where it is that cell's own (an output a cell makes that looks like one stays its own).
    """
    split: list[list[Any]] = [[] for _ in range(cells)]
    current = 0
    for output, named in outputs:
        if named is not None:
            if type(named) is not int or not 0 <= named < cells:
                raise RuntimeError("the cells' outputs could not be told apart")
            current = named
        mark = output.get("data", {}).get(CELL_END)
        if named is None and isinstance(mark, dict) and mark.get("cell") == current:
            current += 1
            continue
        if current >= cells:  # a cell made marks of its own
            raise RuntimeError("the cells' outputs could not be told apart")
        split[current].append(output)
    return split


#: The fields of each kind of output, in the order nbformat gives them.
_FIELDS = {
    "execute_result": ("metadata", "data", "execution_count"),
    "display_data": ("metadata", "data"),
    "stream": ("name", "text"),
    "error": ("ename", "evalue", "traceback"),
}
#: Media types whose data may be any JSON value (the schema's pattern for them).
_JSON_DATA = re.compile(r"^application/(.*\+)?json$")


def _strings(value: Any) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def _text(value: Any) -> bool:
    """The schema's ``multiline_string``: a string, or a list of strings."""
    return type(value) is str or _strings(value)


def _bundle(data: Any) -> bool:
    """The schema's ``mimebundle``: any JSON under a JSON media type, else text."""
    return type(data) is dict and all(
        type(kind) is str and (_JSON_DATA.search(kind) is not None or _text(value))
        for kind, value in data.items()
    )


def _passes(kind: str, content: Any) -> bool:
    """Whether an output of this kind, from this content, is one the notebook schema allows."""
    if type(content) is not dict or not all(name in content for name in _FIELDS[kind]):
        return False
    if kind == "stream":
        return type(content["name"]) is str and _text(content["text"])
    if kind == "error":
        return (
            type(content["ename"]) is str
            and type(content["evalue"]) is str
            and _strings(content["traceback"])
        )
    count = content.get("execution_count")
    return (
        type(content["metadata"]) is dict
        and _bundle(content["data"])
        and (kind == "display_data" or count is None or (type(count) is int and count >= 0))
    )


def output_from_msg(msg: dict[str, Any]) -> Any:
    """The output a kernel's message makes, as nbformat's ``output_from_msg`` makes it: the
    schema's checks done by hand for an output that passes them, nbformat's own for any other
    (which refuses it as before)."""
    from nbformat import NotebookNode
    from nbformat.v4 import output_from_msg as checked

    kind = msg["header"]["msg_type"]
    content = msg["content"]
    if kind not in _FIELDS or not _passes(kind, content):
        return checked(msg)
    output = NotebookNode(output_type=kind)
    for name in _FIELDS[kind]:
        output[name] = content[name]
    return output


def run_cells_together() -> None:
    """Make the executor Voilà runs each page with send its code cells in one request (once)."""
    import nbclient.client
    import nbformat
    import voila.notebook_renderer as renderer
    from nbclient.exceptions import CellExecutionError
    from voila.execute import strip_code_cell_warnings

    if getattr(renderer.VoilaExecutor, "runs_cells_together", False):
        return

    class CourseExecutor(renderer.VoilaExecutor):
        """Voilà's executor, a page's code cells sent to the kernel in one request."""

        runs_cells_together = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._tried = False
            self._ran: dict[int, list[Any]] = {}
            self._failed: int | None = None
            self._named: dict[int, Any] | None = None  # while a batch runs: output -> cell

        def output(
            self, outs: list[Any], msg: dict[str, Any], display_id: Any, cell_index: int
        ) -> Any:
            out = super().output(outs, msg, display_id, cell_index)
            if out is not None and self._named is not None:
                self._named[id(out)] = msg.get("parent_header", {}).get(CELL)
            return out

        async def execute_cell(
            self, cell: Any, resources: Any, cell_index: int, store_history: bool = True
        ) -> Any:
            if not self._tried and _code(cell):
                self._tried = True  # once: a batch that fails leaves the cells to run alone
                if can_run_together(self.nb) and self.nb.cells[cell_index] is cell:
                    try:
                        await self._run_together(cell_index, store_history)
                    except TimeoutError as timed_out:  # as Voilà's own executor shows it
                        self.log.error(timed_out)
                        self.show_code_cell_timeout(cell)
                        raise
            if cell_index not in self._ran:
                return await super().execute_cell(cell, resources, cell_index, store_history)
            cell.outputs = self._ran.pop(cell_index)
            if cell_index == self._failed:  # as nbclient raises it; Voilà then stops the page
                error: dict[str, Any] = next(
                    (o for o in cell.outputs if o.get("output_type") == "error"), {}
                )
                raise CellExecutionError.from_cell_and_msg(cell, error)
            if self.should_strip_error():
                strip_code_cell_warnings(cell)
                self.strip_code_cell_errors(cell)
            return cell

        async def _run_together(self, first: int, store_history: bool) -> None:
            cells = self.nb.cells
            indices = [i for i in range(first, len(cells)) if _code(cells[i])]
            batch = nbformat.v4.new_code_cell(batch_source([cells[i].source for i in indices]))
            # The timeout is a cell's; the batch is several cells' worth of time.
            timeout: int | None = getattr(self, "timeout", None)
            if timeout is not None:
                setattr(self, "timeout", timeout * len(indices))  # noqa: B010 - a trait
            named: dict[int, Any] = {}
            self._named = named
            try:
                await self.async_execute_cell(batch, first, store_history=store_history)
            finally:
                setattr(self, "timeout", timeout)  # noqa: B010
                self._named = None
            split = _split([(o, named.get(id(o))) for o in batch.outputs], len(indices))
            ran: dict[int, list[Any]] = {i: [] for i in indices}
            # nbclient's outputs are notebook nodes already: each cell takes its own as they are.
            for index, outputs in zip(indices, split, strict=False):
                ran[index] = outputs
                if any(output.get("output_type") == "error" for output in outputs):
                    self._failed = index
                    break
            self._ran = ran

    renderer.VoilaExecutor = CourseExecutor
    # nbclient makes each output with this name: the same outputs, checked by hand (above).
    nbclient.client.output_from_msg = output_from_msg  # type: ignore[attr-defined]
