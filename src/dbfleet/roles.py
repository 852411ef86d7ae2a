"""The three parts a pytest process can play in a run, each owning its databases from start to
clean-up, as pytest-cov's ``Central``, ``DistMaster`` and ``DistWorker`` own their coverage.

- :class:`Serial` (no xdist): claims its name, builds or reuses the template, clones its own
  database, exports it, and drops it at the end.
- :class:`Controller` (``-n N``): claims every worker's name and builds the template before any
  worker starts, runs no test, collects the workers' numbers from ``workeroutput``, and at the
  end, once every worker has exited, drops all their databases at once (a worker that crashed
  cannot drop its own, and one that did would make the run wait for its drop).
- :class:`Worker`: clones its database from the controller's template, reports how long that
  took through ``workeroutput``, and leaves the database to the controller.

A role is chosen once, in ``pytest_load_initial_conftests`` (:func:`start`), because the URL
must be exported before a conftest imports the application. That is also why the controller
reaches its workers through one environment variable and not ``workerinput``: xdist sets
``workerinput`` only after a worker has loaded its conftests, which is too late to export.
The chosen object is registered as a plugin, so its hooks run only in the role that needs them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import sys
import time
from typing import Any, ClassVar

import pytest

from dbfleet import bypass, environ
from dbfleet.backends import Backend, open_backend
from dbfleet.config import EXPORTED_ENV, Settings
from dbfleet.embedded import start_embedded
from dbfleet.errors import DbfleetError
from dbfleet.fingerprint import changed_files, remember
from dbfleet.fleet import (
    FleetDatabase,
    Reservation,
    Template,
    TemplateCache,
    ensure_template,
    provision,
    provision_by_migrating,
    release,
    reserve,
    schema_fingerprint,
    sweep_run,
)
from dbfleet.marker import Run
from dbfleet.migrate import Migrator, parse_migrator
from dbfleet.state import FleetState, Role, database_seconds
from dbfleet.urls import SERIAL_WORKER, connectable, fit_identifier, parse_url, redacted

#: Carries the controller's run to its xdist workers; holds a password, so it lives only in
#: the environment, like the exported ``DATABASE_URL`` itself.
CONTROLLER_ENV = "DBFLEET_CONTROLLER"

#: Set by a worker once provisioned. A pytest started inside a worker (in-process or as a
#: child) inherits the worker's xdist variables too; this tells it that it is not the worker.
WORKER_PID_ENV = "DBFLEET_WORKER_PID"

#: The name the role object is registered under.
PLUGIN_NAME = "dbfleet-role"

#: ``workeroutput`` keys: a worker's provisioning seconds and its (password-free) database URL.
SECONDS_OUTPUT = "dbfleet_seconds"
DATABASE_OUTPUT = "dbfleet_database"
#: ``workeroutput`` key: what a worker's tests used instead of its database, if they did.
BYPASS_OUTPUT = "dbfleet_bypass"


class Participant:
    """What every role does alike: the header line, the summary line, and putting the
    environment back; subclasses add what is theirs."""

    name: ClassVar[Role]

    def __init__(self, state: FleetState) -> None:
        self.state = state
        self.watch = bypass.ConnectionWatch()
        #: What the tests used instead of this process's database: (rewritten variable and
        #: the database it names, databases connected to); None while nothing says so.
        self.bypassed: tuple[tuple[str, str] | None, list[str]] | None = None

    def export(self, url: str) -> None:
        values = dict.fromkeys(self.state.settings.export, url)
        environ.swap({**values, EXPORTED_ENV: url}, self.state.saved_environ)

    def pytest_report_header(self) -> list[str]:
        lines = [self._header_line()]
        if self.state.template is not None and self.state.template.cache_note:
            lines.append(f"dbfleet: {self.state.template.cache_note}")
        if self.state.settings.migrate is None:
            lines.append(no_migration_line(self.state.settings))
        return lines

    def _header_line(self) -> str:
        state = self.state
        target = state.database.name if state.database else "a database per worker"
        namespace = state.reservation.namespace
        if namespace:
            why = f": {state.reservation.reason}" if state.reservation.reason else ""
            target += f" (namespace {namespace}{why})"
        source = state.settings.url_source
        origin = f" (from {source})" if source else ""
        line = f"dbfleet: {redacted(state.base_url)}{origin} -> {target}"
        return f"{line}, {_template_line(state.template)}"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.state.database is not None:
            self.watch.start()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.watch.stop()
        database = self.state.database
        if database is None:
            return
        rewrite = bypass.rewritten(
            os.environ, self.state.settings.export, os.environ.get(EXPORTED_ENV, "")
        )
        used = bypass.unused(database.name, self.watch.used)
        if rewrite is not None or used:
            self.bypassed = (rewrite, used)

    def bypass_lines(self, ours: list[str]) -> list[str]:
        if self.bypassed is None:
            return []
        return [bypass.warning(ours, *self.bypassed)]

    def summary_lines(self) -> list[str]:
        """The provisioning line of the run's one ``dbfleet`` section (none in a worker)."""
        state = self.state
        template = state.template
        if template is None:
            line = "no template: every database migrated in place (--dbfleet-provision=migrate)"
        else:
            how = "restored from cache" if template.how == "restored" else template.how
            line = f"template {template.name} {how} in {template.seconds:.2f}s"
        clones = database_seconds(state)
        if clones:
            verb = "cloned" if template else "migrated"
            line += f"; {len(clones)} database(s) {verb}, median {statistics.median(clones):.3f}s"
        if state.settings.keep:
            kept = [state.database.redacted_url] if state.database else state.worker_databases
            line += "; kept (--dbfleet-keep): " + ", ".join(sorted(kept))
        ours = [state.database.name] if state.database else self.bypassed_databases
        notes = [template.cache_note] if template is not None and template.cache_note else []
        return [line, *notes, *self.bypass_lines(ours)]

    @property
    def bypassed_databases(self) -> list[str]:
        return []

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        try:
            if not self.state.settings.keep:
                self.clean_up()
            elif self.state.backend is not None:
                self.state.backend.close()
        except DbfleetError as error:
            sys.stderr.write(f"{error}\n")
        finally:
            environ.restore(self.state.saved_environ)

    def clean_up(self) -> None:
        """Drop this process's own database (only one it marked: ``release`` checks), last,
        after the summary, on the connection the run kept open."""
        backend = self.state.backend or open_backend(self.state.base_url)
        started = time.perf_counter()
        try:
            database = self.state.database
            if database is not None and release(backend, database.name, self.state.run):
                self.state.dropped = [database.name]
        finally:
            self.state.drop_seconds = time.perf_counter() - started
            backend.close()


class Serial(Participant):
    """A run without xdist: one database, the base name's own (worker id ``master``)."""

    name = "serial"


class Controller(Participant):
    """The xdist controller: it provisions the template and the names, its workers the rest."""

    name = "controller"

    def __init__(self, state: FleetState) -> None:
        super().__init__(state)
        #: The workers' databases their tests went around.
        self._bypassing: list[str] = []

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", {})
        if SECONDS_OUTPUT in output:
            self.state.worker_seconds.append(float(output[SECONDS_OUTPUT]))
            self.state.worker_databases.append(str(output[DATABASE_OUTPUT]))
        report = output.get(BYPASS_OUTPUT)
        if isinstance(report, dict):
            self._bypassing.append(str(report["database"]))
            rewrite = report.get("rewrite")
            previous = self.bypassed
            if previous is not None and previous[0] is not None:
                rewrite = previous[0]
            elif rewrite is not None:
                rewrite = (str(rewrite[0]), str(rewrite[1]))
            used = sorted({*(previous[1] if previous else []), *map(str, report["used"])})
            self.bypassed = (rewrite, used)

    @property
    def bypassed_databases(self) -> list[str]:
        return self._bypassing

    def clean_up(self) -> None:
        """Drop every worker's database, a crashed worker's too, now that xdist has seen them
        all exit: at once, one connection each (``sweep_run``), after the summary."""
        base_url = self.state.base_url
        backend = self.state.backend or open_backend(base_url)
        started = time.perf_counter()
        try:
            self.state.dropped = sweep_run(
                backend, self.state.run, connect=lambda: open_backend(base_url)
            )
        finally:
            self.state.drop_seconds = time.perf_counter() - started
            backend.close()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        try:
            super().pytest_unconfigure(config)
        finally:
            os.environ.pop(CONTROLLER_ENV, None)


class Worker(Participant):
    """An xdist worker: its own clone, reported to the controller when the session ends."""

    name = "worker"

    def summary_lines(self) -> list[str]:
        return []  # the controller writes the run's section

    def clean_up(self) -> None:
        """Leave this worker's database to the controller, which drops every worker's at once
        after they have exited: a drop here (≈0.4 s ``WITH (FORCE)``) would delay this
        worker's exit, and the run ends only when the last worker has exited."""

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        super().pytest_sessionfinish(session)
        workeroutput = getattr(session.config, "workeroutput", None)
        database = self.state.database
        if database is not None and workeroutput is not None:
            workeroutput[SECONDS_OUTPUT] = database.seconds
            workeroutput[DATABASE_OUTPUT] = database.redacted_url
            if self.bypassed is not None:
                rewrite, used = self.bypassed
                workeroutput[BYPASS_OUTPUT] = {
                    "database": database.name,
                    "rewrite": list(rewrite) if rewrite else None,
                    "used": used,
                }


def start(settings: Settings, workers: int, migrating: bool) -> Participant:
    """Provision what this process's role needs and export its URL; a refused run builds
    nothing (every name is claimed before the template is built)."""
    message = controller_message()
    if message is not None:
        return _start_worker(settings, message)
    embedded = None
    if settings.embedded is not None:
        base_url, embedded = start_embedded(
            settings.rootdir, settings.embedded.database, settings.embedded.drivername
        )
    else:
        assert settings.url is not None
        base_url = parse_url(settings.url)
    run = Run.current()
    migrator = parse_migrator(settings.migrate, settings.rootdir)
    backend = open_backend(base_url)
    try:
        ids = [f"gw{index}" for index in range(workers)] if workers else [SERIAL_WORKER]
        # The claims last as long as the backend's connection, which stays open for the run
        # (it also holds the in-use lock on the template).
        reservation = reserve(
            backend,
            worker_ids=ids,
            run=run,
            namespace=settings.namespace,
            source=settings.url_source,
        )
        template = None if migrating else _template(backend, settings, migrator, run)
        role: Role = "controller" if workers else "serial"
        state = FleetState(settings, role, run, base_url, template, embedded=embedded)
        state.reservation = reservation
        state.backend = backend
        if workers:
            controller = Controller(state)
            os.environ[CONTROLLER_ENV] = json.dumps(
                {
                    "run": run.id,
                    "url": connectable(base_url),
                    "template": template.name if template else "",
                    "fingerprint": template.fingerprint if template else "",
                    "namespace": reservation.namespace or "",
                }
            )
            # The controller runs no test; a conftest it imports that connects at import time
            # gets a database that does not exist, and fails loudly instead of touching data.
            unused = fit_identifier(backend.base_name, "_controller", backend.name_limit)
            controller.export(connectable(backend.url_for(unused)))
            return controller
        state.database = _provision(backend, state, SERIAL_WORKER, migrator)
    except BaseException:
        backend.close()
        raise
    serial = Serial(state)
    serial.export(state.database.url)
    return serial


def controller_message() -> dict[str, str] | None:
    """The controller's message, if this process really is one of its xdist workers."""
    raw = os.environ.get(CONTROLLER_ENV)
    if not raw or not os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get(WORKER_PID_ENV):
        return None
    try:
        message = json.loads(raw)
        keys = ("run", "url", "template", "fingerprint", "namespace")
        return {key: str(message[key]) for key in keys}
    except (ValueError, KeyError, TypeError):
        return None


def _start_worker(settings: Settings, message: dict[str, str]) -> Worker:
    base_url = parse_url(message["url"])
    template = None
    if message["template"]:
        template = Template(message["template"], message["fingerprint"], True, 0.0)
    state = FleetState(settings, "worker", Run.current(message["run"]), base_url, template)
    state.reservation = Reservation(message["namespace"] or None, ())
    migrator = parse_migrator(settings.migrate, settings.rootdir)
    backend = open_backend(base_url)
    try:
        state.database = _provision(backend, state, os.environ["PYTEST_XDIST_WORKER"], migrator)
    finally:
        backend.close()
    worker = Worker(state)
    worker.export(state.database.url)
    environ.swap({WORKER_PID_ENV: str(os.getpid())}, state.saved_environ)
    return worker


def _template(backend: Backend, settings: Settings, migrator: Migrator, run: Run) -> Template:
    current = schema_fingerprint(backend, migrator, settings.fingerprint, settings.rootdir)
    template = ensure_template(
        backend,
        migrator=migrator,
        fingerprint=current,
        run=run,
        environ=dict(os.environ),
        export=settings.export,
        source=settings.url_source,
        cache=TemplateCache.at(settings.template_cache, backend),
    )
    changed = (
        ()
        if template.how != "built"
        else changed_files(settings.rootdir, backend.base_name, current)
    )
    remember(settings.rootdir, backend.base_name, current)
    return dataclasses.replace(template, changed=changed)


def _provision(
    backend: Backend, state: FleetState, worker_id: str, migrator: Migrator
) -> FleetDatabase:
    """Clone from the template, or (no template: the migrate baseline) migrate in place."""
    namespace = state.reservation.namespace
    if state.template is not None:
        return provision(
            backend,
            worker_id=worker_id,
            template=state.template,
            run=state.run,
            namespace=namespace,
        )
    return provision_by_migrating(
        backend,
        worker_id=worker_id,
        migrator=migrator,
        run=state.run,
        environ=dict(os.environ),
        export=state.settings.export,
        namespace=namespace,
    )


def no_migration_line(settings: Settings) -> str:
    """Said on every run without ``dbfleet_migrate``: an empty template is rarely what a suite
    wants, and thousands of "relation does not exist" do not say why."""
    return (
        f"dbfleet: no migration configured (dbfleet_migrate, read from {settings.rootdir}), so "
        "every database starts empty; set dbfleet_migrate = alembic, sql:PATH, "
        "python:module:function or cmd:COMMAND"
    )


def _template_line(template: Template | None) -> str:
    if template is None:
        return "no template (--dbfleet-provision=migrate)"
    return f"template {template.name} ({template.said}{changed_text(template.changed)})"


def changed_text(changed: tuple[str, ...], shown: int = 3) -> str:
    """``; changed: a.py, b.py and 4 more``, or nothing when nothing is known."""
    if not changed:
        return ""
    more = f" and {len(changed) - shown} more" if len(changed) > shown else ""
    return f"; changed: {', '.join(changed[:shown])}{more}"
