"""The schema of a Django test database: the files it is migrated from, and the ``migrate`` run.

The files come from Django's app registry and its ``MigrationLoader`` (every installed app's
migration modules, wherever ``MIGRATION_MODULES`` puts them), not from globs, plus the models of
apps without migrations (``run_syncdb`` builds those from the models), plus the project modules
either imports. ``migrate`` runs in a child process, as Django's test runner would run it
(``run_syncdb``, then ``createcachetable``), against the template being built: the tests' own
process never connects to the template, so it cannot keep a connection that blocks cloning.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL

from dbfleet.backends.base import Backend
from dbfleet.django.counting import MigrationCounter
from dbfleet.django.databases import TestDatabase
from dbfleet.errors import MigrationError
from dbfleet.imports import imported_project_files
from dbfleet.migrate import log_path, report_failures, run_child
from dbfleet.progress import announce

#: The child's last stdout line starts with this, followed by its JSON result.
RESULT = "dbfleet-django-migrate: "


@dataclass
class DjangoMigrator:
    """Migrates one alias's test database the way ``create_test_db`` does; also counts."""

    alias: str
    #: Everything besides the files that decides the schema; enters the fingerprint.
    settings: str
    rootdir: Path
    nomigrations: bool = False
    #: Migrations the last ``migrate`` applied (0 when the template was reused: none ran).
    applied: int = field(default=0, compare=False)

    @property
    def spec(self) -> str:
        """How the build is named in a message (the fingerprint takes ``settings``)."""
        return f"django migrate --database {self.alias}"

    def sources(self) -> list[Path]:
        return schema_files(self.rootdir, every_model=self.nomigrations)

    def migrate(self, backend: Backend, database: str, url: URL, environ: dict[str, str]) -> None:
        env = dict(environ)
        # The tests' own import path (pytest's rootdir, pythonpath, django_find_project's
        # manage.py folder), so the child imports the settings and the apps as they did.
        paths = [entry for entry in sys.path if entry and Path(entry).is_dir()]
        env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")])
        command = [sys.executable, "-c", CHILD, self.alias, url.database or database]
        if self.nomigrations:
            command.append("--nomigrations")
        output = run_child(
            command,
            cwd=self.rootdir,
            url=url,
            environ=env,
            spec=self.spec,
            log=log_path(self.rootdir, backend.base_name),
        )
        results = [line for line in output.splitlines() if line.startswith(RESULT)]
        if not results:
            raise MigrationError(f"{self.spec!r} failed: the migrate child reported nothing")
        self.applied = int(json.loads(results[-1][len(RESULT) :])["applied"])


def template_settings(
    database: TestDatabase, version: str, nomigrations: bool = False, rebuild: str = ""
) -> str:
    """What besides the files decides a test database's schema: the migrator's ``settings``,
    which the fingerprint hashes. The run and ``dbfleet doctor`` both take it from here, so the
    doctor names the very template the next run reuses."""
    from django.conf import settings as django_settings

    return ";".join(
        [
            f"django:{database.alias}",
            f"django={version}",
            database.signature,
            f"apps={list(django_settings.INSTALLED_APPS)}",
            f"routers={list(django_settings.DATABASE_ROUTERS)}",
            f"nomigrations={nomigrations}",
            f"rebuild={rebuild}",
        ]
    )


def schema_files(rootdir: Path, every_model: bool = False) -> list[Path]:
    """Every migration file of every installed app, the models of apps without migrations (of
    every app with ``every_model``: ``--nomigrations`` builds them all from the models), and
    the project modules they import; read from Django's registry without a database."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    files: set[Path] = set()
    for migration in loader.disk_migrations.values():
        module = sys.modules.get(type(migration).__module__)
        origin = getattr(module, "__file__", None)
        if origin:
            files.add(Path(origin))
            package = Path(origin).with_name("__init__.py")
            if package.is_file():
                files.add(package)
    for config in apps.get_app_configs():
        models = getattr(config.models_module, "__file__", None)
        if (every_model or config.label in loader.unmigrated_apps) and models:
            files.add(Path(models))
    project = {path for path in files if _in_project(path, rootdir)}
    return sorted(files | set(imported_project_files(project, rootdir)))


def _in_project(path: Path, rootdir: Path) -> bool:
    try:
        path.resolve().relative_to(rootdir.resolve())
    except ValueError:
        return False
    return True


#: The child: Django set up from the same settings, the alias pointed at the database being
#: built, then what ``create_test_db`` runs; it prints how many migrations it applied.
CHILD = "import sys; from dbfleet.django.migrations import _main; sys.exit(_main(sys.argv[1:]))"


class Progress:
    """``migrate``'s own output, passed on, remembering the migration it last began to apply:
    when the child dies, that one failed (Django announces each before running it)."""

    def __init__(self) -> None:
        self.applying = ""
        #: Migrations in the plan, and applied so far: each applied one is announced.
        self.total = 0
        self.done = 0

    def write(self, text: str) -> int:
        began = re.search(r"Applying (\S+?)\.\.\.", text)
        if began:
            self.applying = f"migration {began.group(1)}"
        finished = text[began.end() :] if began else text
        if self.applying and finished.strip().startswith("OK"):
            self.done += 1
            announce(self.done, self.total, self.applying.removeprefix("migration "))
            self.applying = ""
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _main(argv: list[str]) -> int:
    alias, name, *flags = argv
    progress = Progress()
    report_failures(lambda error: progress.applying)
    import django
    from django.conf import settings

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connections
    from django.db.models.signals import pre_migrate

    # The other aliases must not reach the real databases their NAME names: a data migration
    # that writes through the default manager instead of schema_editor.connection.alias would
    # write there. Mirrors of this alias see the build; every other alias a database that
    # cannot exist, so such a migration fails loudly instead.
    for other, settings_dict in settings.DATABASES.items():
        mirror = (settings_dict.get("TEST") or {}).get("MIRROR")
        if other == alias or mirror == alias:
            settings_dict["NAME"] = name
        elif str(settings_dict.get("ENGINE", "")).endswith(("sqlite3", "spatialite")):
            settings_dict["NAME"] = "/nonexistent/dbfleet-no-database-while-building.sqlite3"
        else:
            settings_dict["NAME"] = f"dbfleet_not_{alias}_while_building"[:60]
    connection = connections[alias]
    if "--nomigrations" in flags or connection.settings_dict["TEST"].get("MIGRATE") is False:
        settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    progress.total = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    counter = MigrationCounter()
    pre_migrate.connect(counter.receive, weak=False)
    call_command(
        "migrate",
        verbosity=1,
        interactive=False,
        database=alias,
        run_syncdb=True,
        stdout=progress,
    )
    call_command("createcachetable", database=alias)
    connections.close_all()
    print(RESULT + json.dumps({"applied": counter.applied}), flush=True)
    return 0
