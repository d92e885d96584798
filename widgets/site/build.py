"""``secure-base build-static FOLDER``: the course as a static website.

The site holds the learner's modules as web pages, Python for the browser (Pyodide) and the
course's own Python with every package it needs, so any static file server can serve it (an
intranet, SharePoint, GitHub Pages) and nothing is fetched from anywhere else when a page opens.
Each page's prose, navigation and heading are in the page itself; its script
(``static/runtime.js``) starts Python in the browser and draws the exercises where Voilà would.

What a site is built from is pinned in ``pins.toml`` and recorded in the site's ``site.json``.
The pinned files are downloaded once into a cache (pip for the Python packages, npm for Pyodide,
unless ``--pyodide`` gives Pyodide's npm package, as a folder or its ``.tgz``) and checked
against their hashes every time they are used.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from ..content import Course, Module, exercises_dir, load_course
from ..content.schema import cache_folder
from ..controls.links import SITE_ENV
from ..pages.frame import heading_html, nav_html
from ..server import template_file
from ..server.settings import course_dir

__all__ = ["BuildError", "SiteBuilt", "build_site"]

_HERE = Path(__file__).resolve().parent
PINS = tomllib.loads((_HERE / "pins.toml").read_text(encoding="utf-8"))
PYODIDE_VERSION: str = PINS["pyodide"]["version"]
PYODIDE_INTEGRITY: str = PINS["pyodide"]["integrity"]
PYODIDE_FILES: list[str] = PINS["pyodide"]["files"]
#: The file that marks a folder as a site this command built (and so may clear and rebuild).
RECORD = "site.json"
#: What the browser's Python is given: files of the pinned packages that Python never imports
#: (front-end files, a wheel's own RECORD) are left out.
_SKIPPED_IN_WHEELS = re.compile(r"^[^/]+\.data/|\.dist-info/RECORD$|/__pycache__/")
#: Parts of the course's package the browser never runs: the trainer's kit (with reveal.js), the
#: Voilà template (the site has its own copy of the styles), the builder's own files.
_SKIPPED_IN_COURSE = (
    "kit/",
    "server/_jupyter/",
    "site/static/",
    "site/template/",
    "site/build.py",
    "site/pins.toml",
    "_course/",
)
#: Modules that need a server for part of what they do, and what the site says about it there.
NOTICES = {
    "share": (
        "<p><strong>On this website the course runs in your browser alone</strong>, with no "
        "workshop server behind it, so ratings cannot be shared with a room live from here. "
        "You can still prepare a share file below and send it to your trainer, who adds it to "
        "the workshop's summary.</p>"
    ),
}
#: A fixed time for every file in the course's archive, so that two builds are byte for byte the
#: same (the zip format starts its calendar in 1980).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """Why the site could not be built, in a sentence for whoever runs the command."""


@dataclass(frozen=True)
class SiteBuilt:
    folder: Path
    pages: list[str]
    total_bytes: int
    build: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where the pinned downloads are kept between builds."""
    return cache_folder() / "site"


# -- Pyodide -----------------------------------------------------------------------------------
def _npm_integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _pyodide_from_tarball(tarball: Path, into: Path) -> None:
    if _npm_integrity(tarball) != PYODIDE_INTEGRITY:
        raise BuildError(
            f"{tarball.name} is not Pyodide {PYODIDE_VERSION} as published on npm (its checksum "
            "differs). Download it again, or leave out --pyodide to let the build fetch it."
        )
    with tarfile.open(tarball, "r:gz") as archive:
        for name in PYODIDE_FILES:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise BuildError(f"{tarball.name} has no {name}.")
            (into / name).write_bytes(member.read())


def _pyodide_from_folder(folder: Path, into: Path) -> None:
    if (folder / "package").is_dir() and not (folder / "pyodide.mjs").is_file():
        folder = folder / "package"
    missing = [name for name in PYODIDE_FILES if not (folder / name).is_file()]
    if missing:
        raise BuildError(
            f"The folder given with --pyodide has no {', '.join(missing)}: give the folder of "
            f"npm's pyodide {PYODIDE_VERSION} package (or its .tgz from 'npm pack')."
        )
    try:
        version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        version = None
    if version != PYODIDE_VERSION:
        raise BuildError(
            f"The folder given with --pyodide holds Pyodide {version or 'of an unknown version'}; "
            f"the course is built and tested with Pyodide {PYODIDE_VERSION}."
        )
    for name in PYODIDE_FILES:
        shutil.copyfile(folder / name, into / name)


def _fetch_pyodide(cache: Path, log: Callable[[str], None]) -> Path:
    tarball = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if tarball.is_file() and _npm_integrity(tarball) == PYODIDE_INTEGRITY:
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(
            f"The site needs Pyodide {PYODIDE_VERSION}, the Python that runs in the browser. It "
            "is not in the build's cache, and npm, which fetches it, is not on this computer. "
            "Either install Node.js (which comes with npm) and build again, or download "
            f"pyodide-{PYODIDE_VERSION}.tgz from the npm registry on another computer and give "
            "it with --pyodide PATH."
        )
    log(f"Fetching Pyodide {PYODIDE_VERSION} with npm (once; it is kept in the cache)...")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        done = subprocess.run(
            [npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--silent", "--pack-destination", work],
            capture_output=True,
            text=True,
            check=False,
        )
        packed = Path(work) / f"pyodide-{PYODIDE_VERSION}.tgz"
        if done.returncode != 0 or not packed.is_file():
            raise BuildError(
                f"npm could not fetch Pyodide {PYODIDE_VERSION}: "
                f"{(done.stderr or done.stdout).strip() or 'no reason given'}."
            )
        shutil.move(str(packed), tarball)
    if _npm_integrity(tarball) != PYODIDE_INTEGRITY:
        tarball.unlink()
        raise BuildError(f"npm gave a Pyodide {PYODIDE_VERSION} whose checksum is not npm's own.")
    return tarball


# -- the Python packages -----------------------------------------------------------------------
def _requirement(file: str, sha256: str) -> str:
    name, version = file.split("-")[:2]
    if file.endswith(".tar.gz"):
        version = file[len(name) + 1 : -len(".tar.gz")]
    return f"{name}=={version} --hash=sha256:{sha256}"


def _fetch_packages(cache: Path, log: Callable[[str], None]) -> dict[str, Path]:
    """Every pinned package's file, downloaded once and checked against its hash every time."""
    folder = cache / "python"
    folder.mkdir(parents=True, exist_ok=True)
    pins: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in PINS["python"].items()}

    def sound(file: str, sha: str) -> bool:
        return (folder / file).is_file() and _sha256(folder / file) == sha

    missing = {key: (file, sha) for key, (file, sha) in pins.items() if not sound(file, sha)}
    for kind in ("wheel", "source"):
        wanted = [
            _requirement(file, sha)
            for file, sha in missing.values()
            if file.endswith(".whl") == (kind == "wheel")
        ]
        if not wanted:
            continue
        log(f"Fetching {len(wanted)} Python package(s) for the browser with pip (once)...")
        with tempfile.TemporaryDirectory() as work:
            requirements = Path(work) / "requirements.txt"
            requirements.write_text("\n".join(wanted) + "\n", encoding="utf-8")
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            command += ["--require-hashes", "-r", str(requirements), "-d", str(folder)]
            if kind == "wheel":
                command += ["--only-binary=:all:", "--python-version", "3.14"]
                command += ["--implementation", "py", "--abi", "none", "--platform", "any"]
            else:
                command += ["--no-binary=:all:"]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BuildError(
                "pip could not fetch the Python packages the site needs: "
                f"{(done.stderr or done.stdout).strip()[-600:] or 'no reason given'}"
            )
    for file, sha in missing.values():
        if not sound(file, sha):
            raise BuildError(f"The package file {file} is missing or is not the one pinned.")
    return {key: folder / file for key, (file, _sha) in pins.items()}


def _package_entries(files: dict[str, Path]) -> Iterator[tuple[str, bytes]]:
    for path in sorted(files.values()):
        if path.name.endswith(".whl"):
            with zipfile.ZipFile(path) as wheel:
                for name in wheel.namelist():
                    if not name.endswith("/") and not _SKIPPED_IN_WHEELS.search(name):
                        yield name, wheel.read(name)
        else:  # a source archive of plain-Python modules under src/
            with tarfile.open(path, "r:gz") as archive:
                for member in archive.getmembers():
                    parts = member.name.split("/")
                    if member.isfile() and len(parts) > 2 and parts[1] == "src":
                        name = "/".join(parts[2:])
                        if name.endswith((".py", "py.typed")):
                            handle = archive.extractfile(member)
                            if handle is not None:
                                yield name, handle.read()


def _course_entries() -> Iterator[tuple[str, bytes]]:
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package).as_posix()
        if (
            path.is_file()
            and "__pycache__" not in path.parts
            and not relative.startswith(_SKIPPED_IN_COURSE)
            and not relative.startswith("_exercises/")
            and path.suffix != ".pyc"
        ):
            yield f"widgets/{relative}", path.read_bytes()
    exercises = exercises_dir()
    for path in sorted(exercises.rglob("*")):
        if path.is_file():
            yield f"widgets/_exercises/{path.relative_to(exercises).as_posix()}", path.read_bytes()


def _archive(entries: Iterator[tuple[str, bytes]]) -> bytes:
    """One zip of everything the browser's Python imports, the same bytes on every build."""
    seen: dict[str, bytes] = {}
    for name, data in entries:
        seen.setdefault(name, data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(seen):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, seen[name])
    return buffer.getvalue()


# -- the pages ---------------------------------------------------------------------------------
@contextmanager
def _as_on_the_site() -> Iterator[None]:
    """Links between modules as the site has them (``.html``), while its pages are drawn."""
    before = os.environ.get(SITE_ENV)
    os.environ[SITE_ENV] = "static"
    try:
        yield
    finally:
        if before is None:
            del os.environ[SITE_ENV]
        else:
            os.environ[SITE_ENV] = before


_MODULE_LINK = re.compile(r'href="([0-9]{2}_[a-z_]+)\.ipynb')


def _json_in_html(value: object) -> str:
    """JSON for a ``<script type="application/json">``: nothing in it can close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(exporter: HTMLExporter, course: Course, module: Module, config: dict[str, object]) -> str:
    notebook = nbformat.read(course_dir() / module.file, as_version=4)
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source, cell.outputs = "", []
    resources = {
        "sb": {
            "top": nav_html(course, module, "top") + heading_html(course, module),
            "bottom": nav_html(course, module, "bottom"),
            "notice": NOTICES.get(module.key, ""),
            "description": f"{course.title}: {module.title}",
            "config": _json_in_html({**config, "cells": cells}),
        },
        "metadata": {"name": module.title},
    }
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    # As in Voilà, the prose is not a stop of its own for the Tab key.
    body = body.replace(
        '<div class="jp-Cell-inputWrapper" tabindex="0">', '<div class="jp-Cell-inputWrapper">'
    )
    return _MODULE_LINK.sub(r'href="\1.html', body)


def _exporter() -> HTMLExporter:
    voila_template = template_file("index.html.j2").parent
    exporter = HTMLExporter(
        template_name="secure-base-site",
        extra_template_basedirs=[str(_HERE / "template")],
        extra_template_paths=[str(voila_template)],
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.anchor_link_text = "¶"
    return exporter


def _lab_css() -> str:
    """JupyterLab's styles as nbconvert's lab template has them, in one file for every page."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    for base in TemplateExporter().template_paths:
        folder = Path(base) / "lab" / "static"
        if (folder / "index.css").is_file() and (folder / "theme-light.css").is_file():
            return (folder / "index.css").read_text(encoding="utf-8") + (
                folder / "theme-light.css"
            ).read_text(encoding="utf-8")
    raise BuildError("nbconvert's lab template could not be found; please reinstall nbconvert.")


# -- the site ----------------------------------------------------------------------------------
def _check_target(folder: Path) -> None:
    """The build may write only a new or empty folder, or one holding a site it built."""
    if folder.exists():
        if not folder.is_dir():
            raise BuildError(f"{folder} is a file, not a folder.")
        if any(folder.iterdir()) and not (folder / RECORD).is_file():
            raise BuildError(
                f"{folder} already holds files, and not a site this command built. Choose a new "
                "or empty folder: the build replaces everything in its folder."
            )


def build_site(
    folder: Path,
    pyodide: Path | None = None,
    cache: Path | None = None,
    log: Callable[[str], None] = print,
) -> SiteBuilt:
    """Write the course's static site into ``folder`` (in place of an earlier one there)."""
    folder = folder.resolve()
    _check_target(folder)
    cache = cache or cache_dir()
    if pyodide is not None and not pyodide.exists():
        raise BuildError(f"There is nothing at {pyodide} (given with --pyodide).")
    tarball = None
    if pyodide is None or pyodide.is_file():
        tarball = pyodide or _fetch_pyodide(cache, log)
    packages = _fetch_packages(cache, log)

    folder.parent.mkdir(parents=True, exist_ok=True)
    # The site is written beside its folder and put in its place only when it is whole, so that
    # a build that fails leaves the earlier site as it was.
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        built = _write_site(work, tarball, pyodide, packages)
        if folder.exists():
            shutil.rmtree(folder)
        work.rename(folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return SiteBuilt(folder, built.pages, built.total_bytes, built.build)


def _write_site(
    folder: Path, tarball: Path | None, pyodide: Path | None, packages: dict[str, Path]
) -> SiteBuilt:
    from .. import __version__

    runtime = folder / "pyodide" / PYODIDE_VERSION
    runtime.mkdir(parents=True)
    if tarball is not None:
        _pyodide_from_tarball(tarball, runtime)
    else:
        assert pyodide is not None
        _pyodide_from_folder(pyodide, runtime)

    python = _archive(iter([*_package_entries(packages), *_course_entries()]))
    python_sha = hashlib.sha256(python).hexdigest()
    python_name = f"python/course-{python_sha[:16]}.zip"
    (folder / "python").mkdir()
    (folder / python_name).write_bytes(python)

    static = folder / "static"
    static.mkdir()
    (static / "lab.css").write_text(_lab_css(), encoding="utf-8")
    for name in ("course.css", "trainer.css"):
        shutil.copyfile(template_file(f"static/{name}"), static / name)
    for name in ("runtime.js", "site.css"):
        shutil.copyfile(_HERE / "static" / name, static / name)

    runtime_bytes = sum((runtime / name).stat().st_size for name in PYODIDE_FILES)
    config: dict[str, object] = {
        "pyodide": f"pyodide/{PYODIDE_VERSION}/",
        "python": python_name,
        "megabytes": round((runtime_bytes + len(python)) / 1e6),
        "serviceWorker": "sw.js",
    }
    course = load_course()
    exporter = _exporter()
    pages = []
    with _as_on_the_site():
        for module in course.modules:
            name = module.file.removesuffix(".ipynb") + ".html"
            (folder / name).write_text(_page(exporter, course, module, config), encoding="utf-8")
            pages.append(name)
    welcome = pages[0]
    (folder / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{course.title}</title>"
        f'<meta http-equiv="refresh" content="0; url={welcome}"><link rel="icon" href="data:,">'
        f'</head><body><p><a href="{welcome}">Open the course: {course.title}</a></p></body>'
        "</html>\n",
        encoding="utf-8",
    )

    build = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            build.update(path.relative_to(folder).as_posix().encode())
            build.update(_sha256(path).encode())
    build_id = build.hexdigest()[:16]
    worker = (_HERE / "static" / "sw.js").read_text(encoding="utf-8")
    worker = worker.replace("__BUILD__", build_id).replace("__PYODIDE__", PYODIDE_VERSION)
    (folder / "sw.js").write_text(worker, encoding="utf-8")

    record = {
        "course": course.title,
        "course_version": __version__,
        "build": build_id,
        "pyodide": {"version": PYODIDE_VERSION, "integrity": PYODIDE_INTEGRITY},
        "python_packages": {
            key: {"file": file, "sha256": sha} for key, (file, sha) in PINS["python"].items()
        },
        "course_python": {"file": python_name, "sha256": python_sha},
        "pages": pages,
    }
    (folder / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    total = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    return SiteBuilt(folder, pages, total, build_id)
