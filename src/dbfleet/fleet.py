"""Orchestration: the template once, a database per worker, and cleanup of only what is ours.

Every decision about dropping goes through the marker: a database without one is never
touched, and one whose owning process is alive (or unknowable, on another host) is never
taken over.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from dbfleet.backends.base import Backend
from dbfleet.errors import MigrationError, OwnershipError
from dbfleet.fingerprint import TemplateFingerprint
from dbfleet.marker import Marker, Run
from dbfleet.migrate import Migrator
from dbfleet.urls import SecretURL, connectable, fit_identifier, redacted, worker_database_name


@dataclass(frozen=True)
class Template:
    name: str
    fingerprint: str
    reused: bool
    seconds: float
    dropped_stale: tuple[str, ...] = ()


@dataclass(frozen=True)
class FleetDatabase:
    """One worker's database, as the ``dbfleet_database`` fixture hands it to tests."""

    name: str
    url: str
    redacted_url: str
    template: str
    fingerprint: str
    worker_id: str
    seconds: float

    def __repr__(self) -> str:
        # The dataclass repr would print ``url`` and its password in assertion rewrites.
        return f"FleetDatabase(name={self.name!r}, url={self.redacted_url!r})"


def template_name(base: str, fingerprint: TemplateFingerprint, limit: int) -> str:
    return fit_identifier(base, f"_tpl_{fingerprint.short}", limit)


def building_name(base: str, fingerprint: TemplateFingerprint, limit: int) -> str:
    return fit_identifier(base, f"_bld_{fingerprint.short}", limit)


def _template_lock(name: str) -> str:
    return f"dbfleet:template:{name}"


def _in_use(name: str) -> str:
    """Held shared by every run using template ``name``, for as long as the run lasts."""
    return f"dbfleet:in-use:{name}"


def ensure_template(
    backend: Backend,
    *,
    migrator: Migrator,
    fingerprint: TemplateFingerprint,
    run: Run,
    environ: dict[str, str],
    export: tuple[str, ...],
) -> Template:
    """Reuse the template named by the fingerprint, or build it under another name first.

    The server-wide lock makes the controller, workers and concurrent runs agree on one build;
    whoever waits finds the finished template by name and reuses it.
    """
    started = time.perf_counter()
    base = backend.base_name
    name = template_name(base, fingerprint, backend.name_limit)
    # Declared before the lookup, so a run dropping stale templates either sees this run's
    # claim and skips the template, or drops it first and this run builds it anew.
    backend.hold_shared(_in_use(name))
    with backend.lock(_template_lock(name)):
        marker = backend.marker(name)
        reused = marker is not None and marker.kind == "template"
        if not reused:
            _refuse_unmarked(backend, name, marker, base)
            if marker is not None:
                backend.drop(name)
            _build(backend, base, name, migrator, fingerprint, run, environ, export)
        stale = _drop_stale_templates(backend, base, keep=name)
    return Template(name, fingerprint.digest, reused, time.perf_counter() - started, stale)


def _build(
    backend: Backend,
    base: str,
    name: str,
    migrator: Migrator,
    fingerprint: TemplateFingerprint,
    run: Run,
    environ: dict[str, str],
    export: tuple[str, ...],
) -> None:
    building = building_name(base, fingerprint, backend.name_limit)
    leftover = backend.marker(building)
    _refuse_unmarked(backend, building, leftover, base)
    if leftover is not None:
        backend.drop(building)
    backend.create_empty(building, Marker.new("building", base, fingerprint.digest, run))
    try:
        _migrate_into(backend, building, migrator, environ, export)
    except MigrationError as error:
        raise MigrationError(
            f"dbfleet: building template {name} failed: migration {error}; "
            "nothing was kept — fix the migration and run again"
        ) from None
    backend.finish_template(building, name, Marker.new("template", base, fingerprint.digest, run))


def _migrate_into(
    backend: Backend,
    name: str,
    migrator: Migrator,
    environ: dict[str, str],
    export: tuple[str, ...],
) -> None:
    """Run the migrations into ``name``; on any failure the database is dropped again."""
    url = backend.url_for(name)
    # The migration sees the database it builds under the same names the tests will use.
    child_environ = {**environ, **dict.fromkeys(export, connectable(url))}
    try:
        migrator.migrate(backend, name, url, child_environ)
    except BaseException:
        backend.drop(name)
        raise


def _drop_stale_templates(backend: Backend, base: str, keep: str) -> tuple[str, ...]:
    """Drop this base's templates built before ``keep`` that no live run still clones from;
    a newer one (another branch's) stays."""
    templates = [db for db in backend.list_managed() if db.marker.base == base]
    templates = [db for db in templates if db.marker.kind == "template"]
    kept = next((db.marker.created for db in templates if db.name == keep), None)
    if kept is None:
        return ()
    dropped = []
    for db in templates:
        if db.marker.created < kept and backend.try_exclusive(_in_use(db.name)):
            try:
                backend.drop(db.name)
                dropped.append(db.name)
            finally:
                backend.release_exclusive(_in_use(db.name))
    return tuple(dropped)


def _refuse_unmarked(backend: Backend, name: str, marker: Marker | None, base: str) -> None:
    if marker is None and backend.exists(name):
        raise OwnershipError(
            f"dbfleet: database {name} exists but was not created by dbfleet, so dbfleet will "
            f"not touch it; point dbfleet_url at another database name than {base!r} "
            "or drop it yourself"
        )


def provision(
    backend: Backend,
    *,
    worker_id: str,
    template: Template,
    run: Run,
) -> FleetDatabase:
    """Clone this worker's database from the template, clearing a crashed run's leftover."""
    started = time.perf_counter()
    base = backend.base_name
    name = worker_database_name(base, worker_id, backend.name_limit)
    # Locked per name, not per template: clones of one template may run at once (measured: no
    # conflicts, the template admits no connections), and the lock only orders check-drop-clone.
    with backend.lock(f"dbfleet:database:{name}"):
        _clear_the_way(backend, name, base, run)
        backend.clone(template.name, name, Marker.new("worker", base, template.fingerprint, run))
    return _fleet_database(backend, name, worker_id, template.name, template.fingerprint, started)


def provision_by_migrating(
    backend: Backend,
    *,
    worker_id: str,
    migrator: Migrator,
    run: Run,
    environ: dict[str, str],
    export: tuple[str, ...],
) -> FleetDatabase:
    """The hand-written-conftest baseline: an empty database per worker, migrated in place.

    Kept as ``--dbfleet-provision=migrate`` so ``dbfleet bench`` compares against the usual
    approach with the same naming, safety and cleanup, rather than against a strawman.
    """
    started = time.perf_counter()
    base = backend.base_name
    name = worker_database_name(base, worker_id, backend.name_limit)
    with backend.lock(f"dbfleet:database:{name}"):
        _clear_the_way(backend, name, base, run)
        backend.create_empty(name, Marker.new("worker", base, "", run))
    try:
        _migrate_into(backend, name, migrator, environ, export)
    except MigrationError as error:
        raise MigrationError(f"dbfleet: migrating {name} failed: migration {error}") from None
    return _fleet_database(backend, name, worker_id, "", "", started)


def _clear_the_way(backend: Backend, name: str, base: str, run: Run, *, drop: bool = True) -> None:
    """Make room for ``name``: refuse unmarked or live databases, drop dead leftovers.

    A leftover counts as dead only when its owner is provably gone *and* nobody is connected.
    """
    existing = backend.marker(name)
    _refuse_unmarked(backend, name, existing, base)
    if existing is None:
        return
    if not existing.owned_by(run):
        alive = existing.owner_alive() is not False or backend.has_sessions(name)
        if alive:
            raise OwnershipError(
                f"dbfleet: database {name} belongs to another run that is still going "
                f"(run {existing.run} on {existing.host}:{existing.pid}); wait for it to finish, "
                "or give this run another database name in dbfleet_url"
            )
    if drop:
        backend.drop(name)


def check_free(backend: Backend, *, worker_ids: list[str], run: Run) -> None:
    """Fail in the controller, before any worker starts, if a worker's name is taken.

    A worker failing on its own is reported by xdist as a crash and replaced under a new id,
    which would hide the collision instead of stopping the run.
    """
    base = backend.base_name
    for worker_id in worker_ids:
        name = worker_database_name(base, worker_id, backend.name_limit)
        _clear_the_way(backend, name, base, run, drop=False)


def _fleet_database(
    backend: Backend, name: str, worker_id: str, template: str, fingerprint: str, started: float
) -> FleetDatabase:
    url = backend.url_for(name)
    return FleetDatabase(
        name=name,
        url=SecretURL(connectable(url)),
        redacted_url=redacted(url),
        template=template,
        fingerprint=fingerprint,
        worker_id=worker_id,
        seconds=time.perf_counter() - started,
    )


def release(backend: Backend, name: str, run: Run) -> bool:
    """Drop a worker database at the end of its run, if and only if this run marked it."""
    marker = backend.marker(name)
    if marker is None or not marker.owned_by(run):
        return False
    backend.drop(name)
    return True


def sweep_run(backend: Backend, run: Run) -> list[str]:
    """Drop what this run's crashed workers left behind; run by the controller at the end."""
    dropped = []
    for db in backend.list_managed():
        mine = db.marker.kind == "worker" and db.marker.owned_by(run)
        if mine and db.marker.pid != os.getpid() and db.marker.owner_alive() is False:
            backend.drop(db.name)
            dropped.append(db.name)
    return dropped


@dataclass(frozen=True)
class Collected:
    name: str
    marker: Marker
    reason: str


def garbage(backend: Backend) -> list[Collected]:
    """What ``dbfleet gc`` may drop: dead owners' databases and all but the newest template."""
    managed = backend.list_managed()
    newest: dict[str, float] = {}
    for db in managed:
        if db.marker.kind == "template":
            newest[db.marker.base] = max(newest.get(db.marker.base, 0.0), db.marker.created)
    found = []
    for db in managed:
        if db.marker.kind == "template":
            if db.marker.created < newest[db.marker.base]:
                found.append(Collected(db.name, db.marker, "superseded template"))
        elif db.marker.owner_alive() is False:
            found.append(Collected(db.name, db.marker, f"owner pid {db.marker.pid} is gone"))
    return found
