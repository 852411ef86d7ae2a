"""A Django suite as the ``dbfleet`` command sees it: the test databases ``DATABASES`` names,
read the way a pytest run reads them, for ``doctor``, ``list``, ``gc`` and ``drop``.

Without this, the command knew only URLs: in a pytest-django project it said "no URL", and a
URL set by hand made pytest refuse to start (a Django suite's databases come from
``DATABASES``). Django is set up in a child process: the settings module is the project's code,
and ``django.setup()`` cannot be undone in the command's own process (or in a test calling
``main``). The child hands back each test database's URL and its template settings through a
pipe; the password never reaches any output.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import URL, make_url

from dbfleet.errors import ConfigError, DbfleetError

#: The child's last stdout line starts with this, followed by its JSON answer.
RESULT = "dbfleet-django-databases: "

#: A finding for ``dbfleet doctor``: level (``ok``, ``note``, ``problem``), topic, text.
Finding = tuple[Literal["ok", "note", "problem"], str, str]

_FALSE = {"false", "0", "no", "off", ""}


@dataclass(frozen=True)
class DjangoSuite:
    """Where a project's Django settings are, as pytest-django finds them."""

    module: str
    source: str
    rootdir: Path
    #: The import path the tests get: rootdir, ``pythonpath``, ``django_find_project``'s folder.
    paths: tuple[str, ...]


@dataclass(frozen=True)
class DjangoDatabase:
    """One test database of the suite, with what its template's fingerprint needs."""

    alias: str
    #: The URL dbfleet provisions through, password included (None: not clonable, see why).
    url: URL | None
    why: str
    #: ``DjangoMigrator.settings``, as the run computes it (``template_settings``).
    settings: str


def django_suite(
    ini: Mapping[str, Any], environ: Mapping[str, str], rootdir: Path
) -> DjangoSuite | None:
    """The suite's settings when a pytest run there would be a Django suite for dbfleet:
    pytest-django installed, ``dbfleet_django`` not off, a settings module configured
    (``DJANGO_SETTINGS_MODULE`` in the environment beats the ini key, as in pytest-django)."""
    if str(ini.get("dbfleet_django", "true")).strip().lower() in _FALSE:
        return None
    if importlib.util.find_spec("pytest_django") is None:
        return None
    if environ.get("DJANGO_SETTINGS_MODULE"):
        module, source = environ["DJANGO_SETTINGS_MODULE"], "DJANGO_SETTINGS_MODULE"
    elif _ini(ini, "DJANGO_SETTINGS_MODULE"):
        module, source = str(_ini(ini, "DJANGO_SETTINGS_MODULE")), "ini DJANGO_SETTINGS_MODULE"
    else:
        return None
    given = ini.get("pythonpath", [])
    entries = list(given) if isinstance(given, list) else str(given).split()
    paths = [str(rootdir), *(str((rootdir / entry).resolve()) for entry in entries)]
    if str(ini.get("django_find_project", "true")).strip().lower() not in _FALSE:
        paths += [str(p.parent) for p in sorted(rootdir.glob("*/manage.py"))]
    return DjangoSuite(module, source, rootdir, tuple(dict.fromkeys(paths)))


@dataclass(frozen=True)
class SuiteDatabases:
    """What the child read: the test databases, and the files their templates are built from."""

    databases: list[DjangoDatabase]
    sources: list[Path]


def _ini(ini: Mapping[str, Any], name: str) -> Any:
    """An ini value by pytest's spelling; an ini-style file's parser gives the key lowercased."""
    return ini.get(name, ini.get(name.lower()))


def read_databases(suite: DjangoSuite, environ: Mapping[str, str]) -> SuiteDatabases:
    """Every test database of the suite, read in a child process with Django set up."""
    env = dict(environ)
    env["DJANGO_SETTINGS_MODULE"] = suite.module
    env["PYTHONPATH"] = os.pathsep.join([*suite.paths, env.get("PYTHONPATH", "")])
    command = [sys.executable, "-c", CHILD, str(suite.rootdir)]
    done = subprocess.run(
        command, cwd=suite.rootdir, env=env, capture_output=True, text=True, check=False
    )
    answers = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not answers:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        last = lines[-1].strip() if lines else f"exit code {done.returncode}"
        raise ConfigError(
            f"dbfleet: cannot read the Django settings {suite.module} ({suite.source}): {last}"
        )
    answer = json.loads(answers[-1][len(RESULT) :])
    databases = [
        DjangoDatabase(
            alias=str(entry["alias"]),
            url=make_url(entry["url"]) if entry["url"] else None,
            why=str(entry["why"]),
            settings=str(entry["settings"]),
        )
        for entry in answer["databases"]
    ]
    return SuiteDatabases(databases, [Path(path) for path in answer["sources"]])


#: The child: Django set up as a pytest run sets it up, then ``DATABASES`` as test databases.
CHILD = "import sys; from dbfleet.django.command import _main; sys.exit(_main(sys.argv[1:]))"


def _main(argv: list[str]) -> int:
    import django

    from dbfleet.django.databases import test_databases
    from dbfleet.django.migrations import schema_files, template_settings
    from dbfleet.urls import connectable

    django.setup()
    try:
        databases, _ = test_databases(None)
    except DbfleetError as error:
        print(str(error), file=sys.stderr)
        return 2
    version = django.get_version()
    answer = {
        "databases": [
            {
                "alias": database.alias,
                "url": connectable(database.url) if database.url is not None else "",
                "why": "" if database.url is not None else database.signature,
                "settings": template_settings(database, version),
            }
            for database in databases
        ],
        "sources": [str(path) for path in schema_files(Path(argv[0]))],
    }
    print(RESULT + json.dumps(answer), flush=True)
    return 0


def suite_urls(ini: Mapping[str, Any], environ: Mapping[str, str], rootdir: Path) -> list[URL]:
    """The test databases' URLs of a Django suite (empty when it is none): what ``list``,
    ``gc`` and ``drop`` act on when no ``--url`` is given."""
    suite = django_suite(ini, environ, rootdir)
    if suite is None:
        return []
    return [db.url for db in read_databases(suite, environ).databases if db.url is not None]


def django_findings(
    suite: DjangoSuite, environ: Mapping[str, str], extra_globs: tuple[str, ...]
) -> list[Finding]:
    """``dbfleet doctor`` on a Django suite: the settings, each test database, its server and
    whether its template is the one the next run reuses (same fingerprint as the plugin's)."""
    text = (
        f"pytest-django suite, settings {suite.module} (from {suite.source}); the databases "
        "come from DATABASES, no dbfleet URL needed"
    )
    findings: list[Finding] = [("ok", "django", text)]
    try:
        read = read_databases(suite, environ)
    except DbfleetError as error:
        return [*findings, ("problem", "django", str(error))]
    databases, sources = read.databases, read.sources
    findings.append(("ok", "migrate", f"django migrate; {len(sources)} file(s) it reads:"))
    findings += [("ok", "fingerprint", _relative(path, suite.rootdir)) for path in sources]
    for database in databases:
        if database.url is None:
            findings.append(("note", "database", f"DATABASES[{database.alias!r}]: {database.why}"))
            continue
        findings += _database_findings(database, database.url, sources, suite, extra_globs)
    return findings


def _database_findings(
    database: DjangoDatabase,
    url: URL,
    sources: list[Path],
    suite: DjangoSuite,
    extra_globs: tuple[str, ...],
) -> list[Finding]:
    from dbfleet.backends import open_backend
    from dbfleet.fingerprint import fingerprint
    from dbfleet.fleet import template_name
    from dbfleet.urls import redacted

    shown = redacted(url.set(query={}))
    topic = f"[{database.alias}]"
    try:
        backend = open_backend(url)
    except DbfleetError as error:
        return [("problem", "server", f"DATABASES[{database.alias!r}] {shown}: {error}")]
    try:
        version = backend.server_version()
        digest = fingerprint(
            migrate_spec=database.settings,
            sources=sources,
            extra_globs=extra_globs,
            rootdir=suite.rootdir,
            server_version=version,
        )
        name = template_name(backend.base_name, digest, backend.name_limit)
        templates = sorted(
            db.name
            for db in backend.list_managed()
            if db.marker.kind == "template" and db.marker.base == backend.base_name
        )
    except DbfleetError as error:
        return [("problem", "server", f"DATABASES[{database.alias!r}] {shown}: {error}")]
    finally:
        backend.close()
    findings: list[Finding] = [
        ("ok", "database", f"DATABASES[{database.alias!r}] -> {shown}"),
        ("ok", "server", f"{topic} reachable, version {version}"),
    ]
    if name in templates:
        findings.append(("ok", "template", f"{name} is current: the next run reuses it"))
    elif templates:
        findings.append(
            (
                "problem",
                "template",
                f"{', '.join(templates)} was built from other migrations than today's; the next "
                f"run builds {name} (run pytest once, or dbfleet drop --templates to clear the "
                "old one)",
            )
        )
    else:
        findings.append(("note", "template", f"{name} not built yet: the first run does"))
    return findings


def _relative(path: Path, rootdir: Path) -> str:
    try:
        return path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return str(path)
