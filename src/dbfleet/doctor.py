"""``dbfleet doctor``: what a newcomer needs to know about a project's dbfleet set-up, one line
each, and the traps dbfleet can see coming before a run falls into them.

Every check reads; nothing is created. A finding is ``ok``, a ``note`` (worth knowing, costs
time at most) or a ``problem`` (a run will fail, or pass for the wrong reason); the command exits
1 when there is a problem.
"""

from __future__ import annotations

import ast
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dbfleet.config import Settings, resolve
from dbfleet.errors import DbfleetError
from dbfleet.inifile import find_pytest_config

Level = Literal["ok", "note", "problem"]


@dataclass(frozen=True)
class Finding:
    level: Level
    topic: str
    text: str

    def line(self) -> str:
        mark = {"ok": "ok     ", "note": "note   ", "problem": "PROBLEM"}[self.level]
        return f"{mark} {self.topic:<12} {self.text}"


def diagnose(directory: Path, environ: Mapping[str, str]) -> list[Finding]:
    """Every finding for the project whose pytest configuration governs ``directory``."""
    found = find_pytest_config(directory)
    if found is None:
        return [Finding("problem", "config", f"no pytest configuration above {directory}")]
    path, ini = found
    rootdir = path.parent
    findings = [Finding("ok", "config", str(path))]
    try:
        settings = resolve({}, environ, ini, rootdir)
    except DbfleetError as error:
        return [*findings, Finding("problem", "settings", str(error))]
    url_findings = _url(settings)
    findings += url_findings
    migrator, sources = None, []
    try:
        from dbfleet.migrate import parse_migrator

        migrator = parse_migrator(settings.migrate, rootdir)
        sources = migrator.sources()
    except DbfleetError as error:
        findings.append(Finding("problem", "migrate", str(error)))
    if migrator is not None:
        kind = settings.migrate or "none (empty databases)"
        findings.append(Finding("ok", "migrate", f"{kind}; {len(sources)} file(s) it reads:"))
        findings += [Finding("ok", "fingerprint", _relative(p, rootdir)) for p in sources]
    findings += _globs(settings)
    findings.append(Finding("ok", "isolation", _isolation(settings)))
    findings += _drivers(settings)
    # An unusable URL is the url line's problem; asking the server too said it twice.
    usable = all(finding.level != "problem" for finding in url_findings)
    if settings.url is not None and migrator is not None and usable:
        findings += _server(settings, migrator)
    findings += _early_readers(ini, environ, rootdir, settings.export)
    if environ.get("PYTHONDONTWRITEBYTECODE"):
        findings.append(
            Finding(
                "note",
                "bytecode",
                "PYTHONDONTWRITEBYTECODE is set: every xdist worker rewrites every test "
                "module's asserts again at start-up; unset it for faster workers",
            )
        )
    return findings


def _relative(path: Path, rootdir: Path) -> str:
    try:
        return path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return str(path)


def _url(settings: Settings) -> list[Finding]:
    from dbfleet.urls import parse_url, redacted

    if settings.embedded is not None:
        text = f"embedded PostgreSQL, database {settings.embedded.database} (started by the run)"
        return [Finding("ok", "url", text)]
    if settings.url is None:
        return [
            Finding(
                "problem",
                "url",
                "no URL: set DATABASE_URL, DBFLEET_URL or dbfleet_url (env:NAME reads a "
                "variable), or dbfleet_url = embedded",
            )
        ]
    try:
        url = parse_url(settings.url)
    except DbfleetError as error:
        return [Finding("problem", "url", str(error))]
    return [Finding("ok", "url", f"{redacted(url)} (from {settings.url_source})")]


def _globs(settings: Settings) -> list[Finding]:
    empty = [pattern for pattern in settings.fingerprint if not any(settings.rootdir.glob(pattern))]
    return [
        Finding(
            "problem",
            "fingerprint",
            f"dbfleet_fingerprint glob {pattern!r} matches no file under {settings.rootdir}; "
            "fix it, or drop it (imported files enter the fingerprint by themselves)",
        )
        for pattern in empty
    ]


def _isolation(settings: Settings) -> str:
    isolation = settings.isolation
    return f"{isolation.level}, leak check {isolation.leaks}, fresh pool {isolation.pool_size}"


def _drivers(settings: Settings) -> list[Finding]:
    from dbfleet.isolation.drivers import async_driver, missing_driver, sync_driver
    from dbfleet.isolation.engines import installed

    if settings.url is None:
        return []
    drivername = settings.url.split("://", 1)[0]
    findings = []
    for use, twin in (("sync", sync_driver), ("async", async_driver)):
        driver = twin(drivername, installed)
        missing = missing_driver(driver, installed)
        level: Level = "note" if missing else "ok"
        text = f"{driver}" + (f": not installed ({missing})" if missing else " installed")
        findings.append(Finding(level, f"{use} driver", text))
    return findings


def _server(settings: Settings, migrator: Any) -> list[Finding]:
    """Reachable, which version, and whether the template for today's migrations exists."""
    from dbfleet.backends import open_backend
    from dbfleet.fleet import schema_fingerprint, template_name
    from dbfleet.urls import parse_url

    assert settings.url is not None
    try:
        backend = open_backend(parse_url(settings.url))
    except DbfleetError as error:
        return [Finding("problem", "server", str(error))]
    try:
        version = backend.server_version()
        current = schema_fingerprint(backend, migrator, settings.fingerprint, settings.rootdir)
        name = template_name(backend.base_name, current, backend.name_limit)
        templates = [
            db
            for db in backend.list_managed()
            if db.marker.kind == "template" and db.marker.base == backend.base_name
        ]
    except DbfleetError as error:
        return [Finding("problem", "server", str(error))]
    finally:
        backend.close()
    findings = [Finding("ok", "server", f"reachable, version {version}")]
    if any(db.name == name for db in templates):
        findings.append(Finding("ok", "template", f"{name} is current: the next run reuses it"))
    elif templates:
        stale = ", ".join(sorted(db.name for db in templates))
        findings.append(
            Finding(
                "problem",
                "template",
                f"{stale} was built from other migrations than today's; the next run builds "
                f"{name} (run pytest once, or dbfleet drop --templates to clear the old one)",
            )
        )
    else:
        findings.append(Finding("note", "template", f"{name} not built yet: the first run does"))
    return findings


def _early_readers(
    ini: Mapping[str, Any], environ: Mapping[str, str], rootdir: Path, export: Sequence[str]
) -> list[Finding]:
    """Plugins loaded with ``-p`` (addopts, PYTEST_ADDOPTS) are imported before dbfleet exports
    the worker's URL; one that reads it at import time sees the wrong database."""
    addopts = ini.get("addopts", "")
    words = list(addopts) if isinstance(addopts, list) else shlex.split(str(addopts))
    words += shlex.split(environ.get("PYTEST_ADDOPTS", ""))
    plugins = [w[2:] for w in words if w.startswith("-p") and len(w) > 2]
    plugins += [words[i + 1] for i, w in enumerate(words[:-1]) if w == "-p"]
    findings = []
    from dbfleet.imports import imported_project_files, project_module_file

    for name in plugins:
        path = project_module_file(name, rootdir)
        if path is None:
            continue
        readers = [path, *imported_project_files([path], rootdir)]
        reader = next((p for p in readers if _reads_at_import(p, export)), None)
        if reader is not None:
            findings.append(
                Finding(
                    "problem",
                    "early read",
                    f"{_relative(reader, rootdir)} (imported by -p {name}) reads "
                    f"{'/'.join(export)} when imported, before dbfleet exports the worker's URL; "
                    "read it inside a function or fixture, or load it from conftest.py",
                )
            )
    return findings


def _reads_at_import(path: Path, names: Sequence[str]) -> bool:
    """Whether module-level code (not a function body) mentions one of ``names`` as a string:
    ``os.environ["DATABASE_URL"]``, ``os.getenv("DATABASE_URL")`` and the like."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    wanted = set(names)
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, scopes):
            continue
        if isinstance(node, ast.Constant) and node.value in wanted:
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def main_lines(directory: Path) -> tuple[list[str], int]:
    """The report and the exit code: 1 when any finding is a problem."""
    findings = diagnose(directory, os.environ)
    code = 1 if any(f.level == "problem" for f in findings) else 0
    return [f.line() for f in findings], code
