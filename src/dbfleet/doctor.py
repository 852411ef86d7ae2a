"""``dbfleet doctor``: what a newcomer needs to know about a project's dbfleet set-up, one line
each, and the traps dbfleet can see coming before a run falls into them.

Every check reads; nothing is created. A finding is ``ok``, a ``note`` (worth knowing, costs
time at most: a template that is merely out of date is the normal state after a migration edit)
or a ``problem`` (a run will fail, or pass for the wrong reason); the command exits 1 only when
there is a problem, so it can gate CI. Concise by default: ``-v`` adds the detail lines (every
file in the fingerprint), which on a real project run to hundreds.
"""

from __future__ import annotations

import ast
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dbfleet.config import Settings, check_ini_keys, opt_in, resolve
from dbfleet.errors import DbfleetError
from dbfleet.inifile import find_pytest_config
from dbfleet.options import ENV_VARS

Level = Literal["ok", "note", "problem"]


@dataclass(frozen=True)
class Finding:
    level: Level
    topic: str
    text: str
    #: Shown only with ``-v``.
    detail: bool = False

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
        check_ini_keys(dict.fromkeys(ini, path.name))
        wanted = opt_in(ini, _flags(ini, environ), environ, loaded_explicitly=False)
        settings = resolve({}, environ, ini, rootdir, opted_in=wanted)
    except DbfleetError as error:
        return [*findings, Finding("problem", "settings", str(error))]
    django = _django(ini, environ, settings)
    if django is not None:
        active = "yes: a pytest-django suite (dbfleet_django = false turns dbfleet off)"
        return [*findings, Finding("ok", "active", active), *django]
    findings += _activation(settings)
    url_findings = _url(settings)
    findings += url_findings
    migrator, sources = None, []
    try:
        from dbfleet.migrate import parse_migrator

        migrator = parse_migrator(settings.migrate, rootdir)
        sources = migrator.sources()
    except DbfleetError as error:
        findings.append(Finding("problem", "migrate", str(error)))
    if migrator is not None and settings.migrate is None:
        text = "none configured: every database starts empty (set dbfleet_migrate)"
        findings.append(Finding("note", "migrate", text))
    elif migrator is not None:
        more = "" if len(sources) < 2 else " (dbfleet doctor -v lists them)"
        text = f"{settings.migrate}; {len(sources)} file(s) in the fingerprint{more}"
        findings.append(Finding("ok", "migrate", text))
        findings += [
            Finding("ok", "fingerprint", _relative(p, rootdir), detail=True) for p in sources
        ]
    findings += _globs(settings)
    findings.append(Finding("ok", "isolation", _isolation(settings)))
    findings += _drivers(settings)
    # An unusable URL is the url line's problem; asking the server too said it twice.
    usable = all(finding.level != "problem" for finding in url_findings)
    if settings.url is not None and migrator is not None and usable:
        findings += _server(settings, migrator)
        findings += _in_the_way(settings)
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


def _flags(ini: Mapping[str, Any], environ: Mapping[str, str]) -> list[str]:
    """The ``--dbfleet-*`` flags a plain ``pytest`` here would get from addopts."""
    addopts = ini.get("addopts", "")
    words = list(addopts) if isinstance(addopts, list) else shlex.split(str(addopts))
    words += shlex.split(environ.get("PYTEST_ADDOPTS", ""))
    return [word.partition("=")[0] for word in words if word.startswith("--dbfleet-")]


def _activation(settings: Settings) -> list[Finding]:
    """Whether a plain ``pytest`` here provisions, and why (not)."""
    if settings.active:
        return [Finding("ok", "active", f"yes: {settings.opted_in} asks for dbfleet")]
    if settings.has_target:
        text = (
            f"no: {settings.url_source} is set, but nothing asks for dbfleet, so pytest runs as "
            "if it were not installed; add a dbfleet_* setting (e.g. dbfleet_migrate) to the "
            f"pytest configuration, or set {' or '.join(ENV_VARS[:2])}"
        )
        return [Finding("note", "active", text)]
    return [Finding("note", "active", "no: no URL configured, so pytest runs as without dbfleet")]


def _django(
    ini: Mapping[str, Any], environ: Mapping[str, str], settings: Settings
) -> list[Finding] | None:
    """A pytest-django suite's findings, read from ``DATABASES`` as its runs read them; None
    when the project is no Django suite. Its runs need no URL, so none is asked for."""
    from dbfleet.django.command import django_findings, django_suite

    suite = django_suite(ini, environ, settings.rootdir)
    if suite is None:
        return None
    found = django_findings(suite, environ, settings.fingerprint)
    findings = [Finding(level, topic, text) for level, topic, text in found]
    if settings.active and settings.url_source not in settings.export:
        # The plugin refuses this combination (plugin._for_django): say so before a run does.
        where = settings.url_source or "dbfleet_url = embedded"
        findings.append(
            Finding(
                "problem",
                "url",
                f"{where} names a database, but this Django suite's databases come from "
                "DATABASES and pytest will refuse to start; remove it, or set "
                "dbfleet_django = false to provision that URL instead",
            )
        )
    findings += _globs(settings)
    findings.append(Finding("ok", "isolation", _isolation(settings)))
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
    from dbfleet.backends.drivers import async_driver, installed, missing_driver, sync_driver

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
    from dbfleet.backends import open_backend, open_dumper
    from dbfleet.fleet import schema_fingerprint, template_name
    from dbfleet.template_cache import holds
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
        cache = []
        if settings.template_cache is not None:
            tools = open_dumper(backend).tools()
            level: Level = "note" if tools.startswith("none") else "ok"
            cache = [
                Finding(level, "cache tools", tools),
                Finding("ok", "cache", holds(settings.template_cache, backend.base_name, current)),
            ]
    except DbfleetError as error:
        return [Finding("problem", "server", str(error))]
    finally:
        backend.close()
    findings = [Finding("ok", "server", f"reachable, version {version}"), *cache]
    if any(db.name == name for db in templates):
        findings.append(Finding("ok", "template", f"{name} is current: the next run reuses it"))
    elif templates:
        stale = ", ".join(sorted(db.name for db in templates))
        findings.append(
            Finding(
                "note",
                "template",
                f"{stale} was built from other migrations than today's; the next run builds "
                f"{name} (dbfleet gc drops the old one once it is no longer needed)",
            )
        )
    else:
        findings.append(Finding("note", "template", f"{name} not built yet: the first run does"))
    return findings


def _in_the_way(settings: Settings) -> list[Finding]:
    """Unmarked databases on the project's names: a run refuses them, so they are a problem
    until ``dbfleet adopt`` (or the user) clears them."""
    from dbfleet.adopt import in_the_way
    from dbfleet.backends import open_backend
    from dbfleet.urls import parse_url

    assert settings.url is not None
    try:
        backend = open_backend(parse_url(settings.url))
        try:
            found = [item.name for item in in_the_way(backend, settings.namespace)]
        finally:
            backend.close()
    except DbfleetError:
        return []  # _server already said why the server cannot be read
    if not found:
        return [Finding("ok", "in the way", "no database without dbfleet's marker on its names")]
    return [
        Finding(
            "problem",
            "in the way",
            f"{', '.join(found)} not created by dbfleet, so every run needing them is refused; "
            "`dbfleet adopt` lists their size and drops them once you confirm",
        )
    ]


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


def main_lines(directory: Path, verbose: bool = False) -> tuple[list[str], int]:
    """The report and the exit code: 1 when any finding is a problem. Problems come last, where
    the eye lands after the command returns, each once."""
    findings = diagnose(directory, os.environ)
    shown = [f for f in findings if verbose or not f.detail]
    shown.sort(key=lambda f: f.level == "problem")
    lines = list(dict.fromkeys(f.line() for f in shown))
    code = 1 if any(f.level == "problem" for f in findings) else 0
    return lines, code
