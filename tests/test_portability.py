"""Windows and macOS, checked from Linux: no Unix-only module is needed, kernels talk TCP where
local sockets are missing, and dates are written without Unix-only formats.

These machines have no Windows, so the Unix-only modules are made unavailable in a fresh Python
(as on Windows, importing them fails) and the course is imported and its journal saved, merged
and locked there.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from widgets.controls import long_date, long_date_time
from widgets.server import kernel_transport, voila_argv

PACKAGE = Path(__file__).resolve().parents[1] / "widgets"

#: Modules of Python's standard library that exist on Unix only.
UNIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource", "tty", "pty", "posix_ipc")

WITHOUT_UNIX = f"""
import sys
for name in {UNIX_ONLY!r}:
    sys.modules[name] = None  # "import fcntl" now fails, as it does on Windows
"""

JOURNAL_WITHOUT_FCNTL = (
    WITHOUT_UNIX
    + """
import threading, time
from pathlib import Path

import widgets.content, widgets.journal, widgets.reports.export, widgets.reports.summaries
import widgets.controls, widgets.server
from widgets.journal import FileStore, Journal

path = Path(sys.argv[1])
a, b = FileStore(path), FileStore(path)
mine, theirs = Journal(), Journal()
mine.set_reflection("availability.general.one", "Written on one page.")
theirs.set_reflection("availability.general.two", "Written on another.")
a.save(mine)
b.save(theirs)
merged, warning = FileStore(path).load()
assert warning is None, warning
assert merged.reflection("availability.general.one") == "Written on one page."
assert merged.reflection("availability.general.two") == "Written on another."
assert path.with_name(path.name + ".bak").is_file()

# While one page holds the lock, another page's save waits for it.
events = []
with a._locked():
    worker = threading.Thread(target=lambda: (b.save(theirs), events.append("saved")))
    worker.start()
    time.sleep(0.6)
    assert events == [], "a save went ahead while another page held the lock"
worker.join(10)
assert events == ["saved"], events
print("lock:", type(a._lock).__name__)
"""
)


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


def test_a_journal_saves_merges_and_locks_without_fcntl(tmp_path):
    done = run_python(JOURNAL_WITHOUT_FCNTL, str(tmp_path / "journal.json"))
    assert done.returncode == 0, done.stderr
    # filelock falls back to a lock of its own without fcntl (Windows has msvcrt's instead).
    assert "lock: " in done.stdout and "UnixFileLock" not in done.stdout


def test_every_module_of_the_package_imports_without_unix_only_modules():
    modules = sorted(
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("__main__.py",)
    )
    code = (
        WITHOUT_UNIX
        + "import importlib\n"
        + "".join(f"importlib.import_module({m.removesuffix('.__init__')!r})\n" for m in modules)
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert len(modules) > 40


def test_unix_only_modules_are_not_named_in_the_package():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in UNIX_ONLY:
            assert not re.search(rf"^\s*(import|from) {name}\b", text, re.M), (path, name)


def test_kernels_talk_tcp_where_local_sockets_do_not_exist():
    assert kernel_transport("win32") == "tcp"
    assert kernel_transport("darwin") == "ipc"
    assert kernel_transport("linux") == "ipc"
    assert f"--KernelManager.transport={kernel_transport()}" in voila_argv(8866)


def test_dates_are_written_the_same_way_on_every_system():
    moment = datetime(2026, 12, 2, 9, 5)
    assert long_date(moment) == "2 December 2026"
    assert long_date_time(moment) == "2 December 2026, 09:05"
    # "%-d" (a day without its zero) is not a format Windows knows.
    for path in PACKAGE.rglob("*.py"):
        assert not re.search(r"strftime\(\s*f?[\"'][^\"']*%-", path.read_text("utf-8")), path
        assert not re.search(r"\{[^{}]*:[^{}]*%-[^{}]*\}", path.read_text("utf-8")), path
