"""pytest glue for Django suites: the roles' databases, the ``django_db_setup`` fixture that
hands pytest-django a clone instead of a migrated database, and the summary line.

The work is split as in URL mode (``roles``): the controller (or the serial process) claims the
names and each template's lock at the session's start, where a refusal is one usage line, the
same under ``-n`` as serially. Serially the template is then built or reused at once; under
``-n`` the build runs in a thread while xdist starts the workers, and the controller hands out
no test before it is done; each process that runs tests clones its databases in
``django_db_setup``, so a selection without database tests clones nothing. The fixture is
registered after pytest-django's, so it replaces pytest-django's own; a project conftest that
overrides it, or extends it by requesting ``django_db_setup``, still works.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from dbfleet import background, progress
from dbfleet.backends import Backend, open_backend
from dbfleet.background import Background
from dbfleet.config import Settings, distributes
from dbfleet.django.counting import MigrationCounter
from dbfleet.django.databases import TestDatabase, test_databases
from dbfleet.django.migrations import DjangoMigrator, schema_files, template_settings
from dbfleet.errors import ConfigError, DbfleetError, Interrupted, Unmarked
from dbfleet.fingerprint import fingerprint
from dbfleet.fleet import (
    FleetDatabase,
    Reservation,
    Template,
    TemplateCache,
    TemplateClaim,
    await_template,
    claim_template,
    provision,
    release,
    reserve,
    sweep_run,
    template_name,
)
from dbfleet.marker import Run
from dbfleet.report.recorder import RECORDER, Recorder
from dbfleet.urls import SERIAL_WORKER, redacted

#: The name the Django integration is registered under.
PLUGIN_NAME = "dbfleet-django"

#: Carries the controller's run, templates and namespaces to its workers (no password: the
#: workers read the connection settings from the same ``DATABASES``).
RUN_ENV = "DBFLEET_DJANGO_RUN"

#: ``workeroutput`` key: what a worker cloned and how many migrations its process ran.
OUTPUT_KEY = "dbfleet_django"

Part = Literal["serial", "controller", "worker"]


def settings_module(config: pytest.Config) -> str | None:
    """The Django settings module pytest-django will use, or None when this is no Django
    suite (pytest-django absent or disabled, no settings configured, ``dbfleet_django`` off)."""
    if not config.pluginmanager.hasplugin("django") or not config.getini("dbfleet_django"):
        return None
    given = getattr(config.known_args_namespace, "ds", None)
    return str(given or os.environ.get("DJANGO_SETTINGS_MODULE") or "") or _ini(config) or None


def _ini(config: pytest.Config) -> str:
    try:
        return str(config.getini("DJANGO_SETTINGS_MODULE") or "")
    except ValueError:  # an older pytest-django that registers no such ini key
        return ""


@dataclass
class Provisioned:
    """One test database's template and the name this run may use for it."""

    database: TestDatabase
    backend: Backend
    template: Template
    namespace: str | None
    migrations: int = 0
    #: Takes the template's lock and says whether to build (run in the thread that builds).
    claim: Callable[[], TemplateClaim] | None = None
    #: While the controller builds in the background: ``building`` or ``restoring``.
    doing: str = ""
    #: Built (or restored) after the header was shown, while the workers started.
    behind: bool = False
    migrator: DjangoMigrator | None = None


@dataclass
class DjangoFleet:
    """What one pytest process of a Django suite provisioned, and its numbers."""

    settings: Settings
    part: Part
    run: Run
    worker_id: str
    provisioned: dict[str, Provisioned] = field(default_factory=dict)
    clones: dict[str, FleetDatabase] = field(default_factory=dict)
    counter: MigrationCounter = field(default_factory=MigrationCounter)
    notes: list[str] = field(default_factory=list)
    #: In the controller: what each worker reported through ``workeroutput``.
    reports: list[dict[str, Any]] = field(default_factory=list)
    #: Aliases dbfleet leaves alone, and why (an engine it cannot clone; Django's dummy).
    skipped: dict[str, str] = field(default_factory=dict)
    #: In the controller: the databases it cloned for its workers while they started.
    ahead: list[tuple[str, FleetDatabase]] = field(default_factory=list)
    #: In the controller: the templates' build, running while xdist starts the workers.
    _build: Background | None = None
    _build_failed: bool = False
    _saved_names: dict[str, Any] = field(default_factory=dict)

    # -- start ---------------------------------------------------------------------------

    @classmethod
    def start(cls, config: pytest.Config, settings: Settings) -> DjangoFleet:
        """Claim the names and build or reuse the templates (controller, serial), or read the
        controller's (worker); any refusal leaves nothing created."""
        from django.db.models.signals import pre_migrate

        workerinput = getattr(config, "workerinput", None)
        if workerinput is not None:
            fleet = cls._worker(settings, str(workerinput["workerid"]))
        else:
            workers = distributes(vars(config.option), os.environ)
            part: Part = "controller" if workers else "serial"
            ids = [f"gw{index}" for index in range(workers)] if workers else [SERIAL_WORKER]
            fleet = cls(settings, part, Run.current(), SERIAL_WORKER)
            fleet._provision_templates(config, ids)
            try:
                if workers:
                    os.environ[RUN_ENV] = fleet._message()
                    fleet._build_behind(ids)
                else:
                    fleet._build_now()
            except BaseException:
                fleet.close()
                raise
        fleet.notes += [f"DATABASES[{alias!r}]: {why}" for alias, why in fleet.skipped.items()]
        if workerinput is None:
            fleet.notes += _unused_overrides(config)
        pre_migrate.connect(fleet.counter.receive, weak=False)
        if config.getoption("reuse_db", False):
            fleet.notes.append(
                "--reuse-db is not needed with dbfleet: the template is reused while every "
                "migration is unchanged, and each worker gets a fresh clone of it"
            )
        return fleet

    @classmethod
    def _worker(cls, settings: Settings, worker_id: str) -> DjangoFleet:
        raw = os.environ.get(RUN_ENV, "")
        try:
            message = json.loads(raw)
            run = Run.current(str(message["run"]))
            entries = {str(alias): dict(entry) for alias, entry in message["databases"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigError(
                "dbfleet: this xdist worker got no template from its controller; is "
                "pytest-dbfleet installed where the controller runs?"
            ) from None
        fleet = cls(settings, "worker", run, worker_id)
        databases, _ = test_databases(None)
        for database in databases:
            entry = next((entries[a] for a in database.aliases if a in entries), None)
            if entry is None or database.url is None:
                continue
            template = Template(str(entry["template"]), str(entry["fingerprint"]), True, 0.0)
            backend = open_backend(database.url)
            namespace = str(entry["namespace"]) or None
            fleet.provisioned[database.alias] = Provisioned(database, backend, template, namespace)
        return fleet

    def _provision_templates(self, config: pytest.Config, worker_ids: list[str]) -> None:
        import django

        databases, _ = test_databases(None)
        rebuild = bool(config.getoption("create_db", False))
        nomigrations = bool(config.getoption("nomigrations", False))
        # Every alias's template depends on the same files: read the migrations once.
        sources: list[Path] | None = None
        try:
            for database in databases:
                if database.url is None:
                    self.skipped[database.alias] = database.signature
                    continue
                if sources is None:
                    sources = schema_files(self.settings.rootdir, every_model=nomigrations)
                backend = open_backend(database.url)
                self.provisioned[database.alias] = self._template(
                    backend,
                    database,
                    worker_ids,
                    django.get_version(),
                    rebuild,
                    nomigrations,
                    sources,
                )
        except BaseException:
            self.close()
            raise
        if rebuild:
            self.notes.append("--create-db: the template was rebuilt, not reused")

    def _template(
        self,
        backend: Backend,
        database: TestDatabase,
        worker_ids: list[str],
        version: str,
        rebuild: bool,
        nomigrations: bool,
        sources: list[Path],
    ) -> Provisioned:
        try:
            reservation: Reservation = reserve(
                backend, worker_ids=worker_ids, run=self.run, namespace=self.settings.namespace
            )
            # --create-db asks for a new template: a fingerprint no template has yet.
            spec = template_settings(
                database, version, nomigrations, self.run.id if rebuild else ""
            )
            migrator = DjangoMigrator(database.alias, spec, self.settings.rootdir, nomigrations)
            digest = fingerprint(
                migrate_spec=migrator.settings,
                sources=sources,
                extra_globs=self.settings.fingerprint,
                rootdir=self.settings.rootdir,
                server_version=backend.server_version(),
            )
            cache = None if rebuild else TemplateCache.at(self.settings.template_cache, backend)
            environ = dict(os.environ)
        except Unmarked as error:
            backend.close()
            raise Unmarked(_unmarked_advice(error.name, database), error.name) from None
        except BaseException:
            backend.close()
            raise

        def claim() -> TemplateClaim:
            return claim_template(
                backend,
                migrator=migrator,
                fingerprint=digest,
                run=self.run,
                environ=environ,
                export=(),
                # --create-db's template is this run's own: nothing to restore or save.
                cache=cache,
            )

        # Named by the fingerprint before it exists: the workers learn the name at once.
        name = template_name(backend.base_name, digest, backend.name_limit)
        template = Template(name, digest.digest, False, 0.0, how="built")
        return Provisioned(
            database, backend, template, reservation.namespace, claim=claim, migrator=migrator
        )

    def _build_now(self) -> None:
        """Serially: claim, then build or reuse, each template before any test runs."""
        for item in self.provisioned.values():
            self._settle_one(item, self._claimed(item))

    def _claimed(self, item: Provisioned) -> TemplateClaim:
        assert item.claim is not None
        try:
            return item.claim()
        except Unmarked as error:
            raise Unmarked(_unmarked_advice(error.name, item.database), error.name) from None

    def _settle_one(self, item: Provisioned, claim: TemplateClaim) -> None:
        item.template = claim.finish()
        item.doing = ""
        item.migrations = item.migrator.applied if item.migrator is not None else 0

    def _build_behind(self, worker_ids: list[str]) -> None:
        """Build (or restore) the templates while xdist starts the workers and they import and
        collect, then clone ahead for them. The templates' locks are taken before this returns,
        so before any worker starts: a worker, or another run, waits on them and finds the
        template built, never builds one of its own. The controller hands out no test before
        the build is done (``pytest_xdist_node_collection_finished``), so a failed build is
        the one line it is serially, and no worker ever meets a missing template."""
        claimed, held = threading.Event(), threading.Event()
        sink, tty = progress.sink()

        def build() -> None:
            progress.set_sink(sink, tty)
            claims: list[tuple[Provisioned, TemplateClaim]] = []
            try:
                for item in self.provisioned.values():
                    claim = self._claimed(item)
                    if claim.doing:
                        claims.append((item, claim))
                        item.doing, item.behind = claim.doing, True
                    else:  # there to reuse: settled now, so the header says so
                        self._settle_one(item, claim)
                held.set()
                claimed.set()
                while claims:
                    self._settle_one(*claims[0])
                    claims.pop(0)
            finally:
                for _, claim in claims:
                    claim.release()
                claimed.set()
                progress.set_sink(None, False)
            if not background.cancelled():
                self._clone_all(worker_ids)

        self._build = Background(build, "dbfleet-template-build")
        self._build.start()
        claimed.wait()
        if not held.is_set():  # refused before anything was made: the same line as serially
            self._build.wait()
            error, self._build = self._build.error, None
            assert error is not None
            raise error

    def settle(self) -> None:
        """Wait for the background build; its error as the one line it is serially."""
        if self._build is None:
            return
        try:
            self._build.wait()
        except KeyboardInterrupt:  # stopped as serially: the build drops what it made
            self._build.cancel.set()
            self._build.wait()
        error, self._build.error = self._build.error, None
        self._build_failed = self._build_failed or error is not None
        if isinstance(error, Interrupted):
            pytest.exit(str(error), returncode=pytest.ExitCode.INTERRUPTED)
        if isinstance(error, DbfleetError):
            raise pytest.UsageError(str(error)) from None
        if error is not None:
            raise error

    def _message(self) -> str:
        return json.dumps(
            {
                "run": self.run.id,
                "databases": {
                    alias: {
                        "template": item.template.name,
                        "fingerprint": item.template.fingerprint,
                        "namespace": item.namespace or "",
                    }
                    for alias, item in self.provisioned.items()
                },
            }
        )

    def _clone_all(self, worker_ids: list[str]) -> None:
        """Clone the workers' databases while xdist starts them, once the templates are built:
        a worker's interpreter, its imports and its collection take longer than a clone, so its
        database is ready when its first test asks. A worker that gets there first clones for
        itself (``adopt``)."""
        for worker_id in worker_ids:
            for alias, item in self.provisioned.items():
                try:
                    clone = provision(
                        item.backend,
                        worker_id=worker_id,
                        template=item.template,
                        run=self.run,
                        namespace=item.namespace,
                        adopt=True,
                    )
                except Exception:
                    return
                self.ahead.append((alias, clone))

    # -- the tests' databases ------------------------------------------------------------

    def clone(self, aliases: Iterable[str] | None, serialized: Iterable[str]) -> None:
        """Clone every test database ``aliases`` need and point Django's connections at them,
        as ``setup_databases`` leaves them after creating and migrating."""
        from django.conf import settings as django_settings
        from django.db import connections

        databases, mirrors = test_databases(aliases)
        serialize = set(serialized)
        for database in databases:
            item = self._provisioned_for(database)
            if item is None:
                why = next(
                    (self.skipped[a] for a in database.aliases if a in self.skipped),
                    "the controller and this worker read different settings",
                )
                raise ConfigError(f"dbfleet: no template for DATABASES[{database.alias!r}]: {why}")
            if self.part == "worker" and not await_template(item.backend, item.template.name):
                raise ConfigError(
                    f"dbfleet: template {item.template.name} was not built: the controller's "
                    "build of it failed or was stopped (its error says why)"
                )
            clone = provision(
                item.backend,
                worker_id=self.worker_id,
                template=item.template,
                run=self.run,
                namespace=item.namespace,
                adopt=self.part == "worker",
            )
            self.clones[item.database.alias] = clone
            name = item.backend.url_for(clone.name).database or clone.name
            for alias in database.aliases:
                connection = connections[alias]
                connection.close()
                self._saved_names[alias] = connection.settings_dict["NAME"]
                django_settings.DATABASES[alias]["NAME"] = name
                connection.settings_dict["NAME"] = name
        for alias, mirror in mirrors.items():
            connections[alias].creation.set_as_test_mirror(connections[mirror].settings_dict)
        for database in databases:
            if serialize.intersection(database.aliases):
                connection = connections[database.alias]
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()

    def _provisioned_for(self, database: TestDatabase) -> Provisioned | None:
        """The template of the test database ``database`` is (any alias of its group: a test
        using only ``other`` of ``default``/``other`` sees a group of one)."""
        for item in self.provisioned.values():
            if set(item.database.aliases) & set(database.aliases):
                return item
        return None

    def release_clones(self) -> None:
        """Drop this process's clones (only ones it marked) and give Django its names back."""
        from django.conf import settings as django_settings
        from django.db import connections

        connections.close_all()
        for alias, clone in self.clones.items():
            if not self.settings.keep:
                release(self.provisioned[alias].backend, clone.name, self.run)
        for alias, name in self._saved_names.items():
            django_settings.DATABASES[alias]["NAME"] = name
            connections[alias].settings_dict["NAME"] = name
        self._saved_names.clear()

    # -- end -----------------------------------------------------------------------------

    def close(self) -> None:
        """Sweep what this run's crashed workers left (controller), then close the servers. A
        build still running is stopped first (the run ended, by Ctrl-C or a crash): it drops
        what it had made, as it does serially."""
        if self._build is not None:
            self._build.cancel.set()
            self._build.wait()
        try:
            if self.part == "controller" and not self.settings.keep:
                # A database cloned ahead for a worker that crashed, or never needed one, is
                # the controller's own: the sweep leaves those of live processes alone.
                for alias, clone in self.ahead:
                    release(self.provisioned[alias].backend, clone.name, self.run)
                for item in self.provisioned.values():
                    sweep_run(item.backend, self.run)
        finally:
            for item in self.provisioned.values():
                item.backend.close()
            if self.part == "controller":
                os.environ.pop(RUN_ENV, None)

    def output(self) -> dict[str, Any]:
        """What a worker tells its controller: clone seconds, databases, migrations run."""
        return {
            "seconds": [clone.seconds for clone in self.clones.values()],
            "databases": [clone.redacted_url for clone in self.clones.values()],
            "migrations": self.counter.applied,
            "migrate_commands": self.counter.commands,
        }

    def header_lines(self) -> list[str]:
        lines = []
        for alias, item in self.provisioned.items():
            how = f"{item.doing} while the workers start" if item.doing else item.template.said
            namespace = f" (namespace {item.namespace})" if item.namespace else ""
            lines.append(
                f"dbfleet: Django DATABASES[{alias!r}] {_shown(item.database.url)}{namespace}"
                f" -> template {item.template.name} ({how})"
            )
        notes = [item.template.cache_note for item in self.provisioned.values()]
        notes = [*filter(None, notes), *self.notes]
        return lines + [f"dbfleet: {note}" for note in notes]

    def summary_lines(self) -> list[str]:
        """The Django line of the ``dbfleet`` section: templates, clones, migrations run."""
        reports = self.reports or [self.output()]
        seconds = [value for report in reports for value in report["seconds"]]
        ran = sum(int(report["migrations"]) for report in reports)
        lines = []
        for alias, item in self.provisioned.items():
            template = item.template
            how = (
                f"reused in {template.seconds:.2f}s"
                if template.reused
                else f"{template.said} ({item.migrations} migrations)"
            )
            if item.doing:  # the build failed, or the run ended before it did
                how = (
                    "not built: its build failed (the error below)"
                    if self._build_failed
                    else f"not finished ({item.doing} when the run ended)"
                )
            lines.append(f"django: DATABASES[{alias!r}] template {template.name} {how}")
            if item.behind and template.cache_note:
                # Known only after the header was shown, while the build went on.
                lines.append(f"django: {template.cache_note}")
        if self.ahead:
            ahead = statistics.median(clone.seconds for _, clone in self.ahead)
            clones = (
                f"{len(self.ahead)} test database(s) cloned ahead while the workers started, "
                f"median {ahead:.3f}s; "
            )
            clones += (
                f"ready in the workers after a median {statistics.median(seconds):.3f}s"
                if seconds
                else "no worker needed one"
            )
        else:
            clones = f"{len(seconds)} test database(s) cloned"
            clones += f", median {statistics.median(seconds):.3f}s" if seconds else ""
        where = "workers" if self.part == "controller" else "test process"
        lines.append(f"django: {clones}; migrations run in the {where}: {ran}")
        if self.settings.keep:
            kept = {name for report in reports for name in report["databases"]}
            kept |= {clone.redacted_url for _, clone in self.ahead}
            lines.append("django: kept (--dbfleet-keep): " + ", ".join(sorted(kept)))
        return lines

    def provisioning(self) -> dict[str, Any]:
        """The run report's ``provisioning``, in the shape a URL run gives it (one template's
        name, reuse and seconds; every clone's seconds), plus each alias's template."""
        reports = self.reports or [self.output()]
        items = self.provisioned.items()
        templates = [item.template for _, item in items]
        seconds = [value for report in reports for value in report["seconds"]]
        return {
            "mode": "clone",
            "template": templates[0].name if templates else None,
            "template_reused": all(t.reused for t in templates) if templates else None,
            "template_seconds": round(sum(t.seconds for t in templates), 4),
            "template_how": _slowest_how(templates),
            "template_cache_note": "; ".join(t.cache_note for t in templates if t.cache_note),
            "database_seconds": [round(value, 4) for value in seconds],
            "clones": len(seconds),
            "cloned_ahead": len(self.ahead),
            "django": {
                alias: {
                    "template": item.template.name,
                    "template_reused": item.template.reused,
                    "template_seconds": round(item.template.seconds, 4),
                    "template_how": item.template.how,
                    "migrations": item.migrations,
                }
                for alias, item in items
            },
        }

    # -- hooks ---------------------------------------------------------------------------

    def pytest_report_header(self) -> list[str]:
        return self.header_lines()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """The controller hands out tests only once the templates are there: the build ran
        while the workers started and collected; here is where a worker's wait would begin."""
        self.settle()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", {})
        if OUTPUT_KEY in output:
            self.reports.append(dict(output[OUTPUT_KEY]))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[OUTPUT_KEY] = self.output()
            return
        # The recorder writes the report after this hook (it is trylast): hand it our numbers.
        recorder = session.config.pluginmanager.get_plugin(RECORDER)
        if isinstance(recorder, Recorder):
            recorder.record.provisioning = self.provisioning()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.close()


#: pytest-django fixtures its ``django_db_setup`` requests, which dbfleet's replacement does not:
#: a project's override of one would be skipped without a word.
UNUSED_FIXTURES = ("django_db_modify_db_settings",)


def _unused_overrides(config: pytest.Config) -> list[str]:
    """One warning per project fixture dbfleet's ``django_db_setup`` never requests. A conftest
    is a plugin module, so its fixtures are its attributes; pytest-django's own are skipped."""
    found = []
    for plugin in config.pluginmanager.get_plugins():
        module = getattr(plugin, "__name__", "")
        if not isinstance(module, str) or module.partition(".")[0] == "pytest_django":
            continue
        for name in UNUSED_FIXTURES:
            if hasattr(plugin, name):
                where = Path(str(getattr(plugin, "__file__", module)))
                shown = (
                    where.relative_to(config.rootpath)
                    if where.is_relative_to(config.rootpath)
                    else where
                )
                found.append(
                    f"warning: the {name} fixture in {shown} is not used: dbfleet's "
                    "django_db_setup clones the test databases DATABASES names instead of "
                    "requesting it; put the change in the settings (DATABASES[...]['TEST']), or "
                    "run with -p no:dbfleet to keep it"
                )
    return found


#: How a template came, slowest first: the run's one word for several aliases' templates.
HOW_SLOWEST_FIRST = ("built", "restored", "reused")


def _slowest_how(templates: list[Template]) -> str | None:
    """The slowest way any alias's template came (one migrated makes the run's ``built``), so
    the report's ``template_how`` reads as a URL run's does."""
    hows = {template.how for template in templates}
    return next((how for how in HOW_SLOWEST_FIRST if how in hows), None)


def _shown(url: Any) -> str:
    """The URL as the header shows it: password masked, and no ``OPTIONS`` (they can hold
    secrets of their own, ``sslpassword``, ``passwd``)."""
    return redacted(url.set(query={}))


def _unmarked_advice(name: str, database: TestDatabase) -> str:
    """The refusal in Django's terms: such a database is most often one pytest-django kept."""
    return (
        f"dbfleet: database {name} exists but was not created by dbfleet, so dbfleet will not "
        "touch it; it is most likely a test database pytest-django kept (--reuse-db): one run "
        "of pytest -p no:dbfleet (same -n, no --reuse-db) drops it, or give this run its own "
        f"dbfleet_namespace, or another TEST NAME in DATABASES[{database.alias!r}]"
    )


def _databases_for_setup(items: list[pytest.Item]) -> tuple[set[str] | None, set[str]]:
    """The aliases the collected tests use and those needing serialization, as pytest-django
    computes them for ``setup_databases``; all aliases on a pytest-django that cannot tell."""
    try:
        from pytest_django.fixtures import _get_databases_for_setup
    except ImportError:
        return None, set()
    aliases, serialized = _get_databases_for_setup(items)
    return set(aliases), set(serialized)


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
) -> Generator[None, None, None]:
    """pytest-django's fixture, with dbfleet's clone in place of ``setup_databases``."""
    fleet = request.config.pluginmanager.get_plugin(PLUGIN_NAME)
    assert isinstance(fleet, DjangoFleet)
    aliases, serialized = _databases_for_setup(request.session.items)
    with django_db_blocker.unblock():
        try:
            fleet.clone(aliases, serialized)
        except DbfleetError as error:
            pytest.fail(str(error), pytrace=False)
    yield
    with django_db_blocker.unblock():
        fleet.release_clones()
