"""Orchestration: the template once, a database per worker, and cleanup of only what is ours.

Every decision about dropping goes through the marker: a database without one is never
touched, and one whose owning process is alive (or unknowable, on another host) is never
taken over.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from dbfleet import progress, template_cache
from dbfleet.adopt import in_the_way, refusal
from dbfleet.backends.base import Backend, Dumper, ManagedDatabase
from dbfleet.errors import DbfleetError, HeldByLiveRun, Interrupted, MigrationError, Unmarked
from dbfleet.faults import pause, point
from dbfleet.fingerprint import TemplateFingerprint, fingerprint
from dbfleet.marker import Marker, Run, run_lock, staging_name, staging_run
from dbfleet.migrate import Migrator
from dbfleet.urls import SecretURL, connectable, fit_identifier, redacted, worker_database_name


@dataclass(frozen=True)
class Template:
    name: str
    fingerprint: str
    reused: bool
    seconds: float
    dropped_stale: tuple[str, ...] = ()
    #: The files whose change made this build necessary, when the last fingerprint is known.
    changed: tuple[str, ...] = ()
    #: How this run got it: ``built`` (migrated), ``reused`` (on the server) or ``restored``
    #: (from the template cache); "" is read as ``reused`` or ``built`` from ``reused``.
    how: str = ""
    #: What the template cache said, when it was not used as asked (a file set aside…).
    cache_note: str = ""

    def __post_init__(self) -> None:
        if not self.how:
            object.__setattr__(self, "how", "reused" if self.reused else "built")

    @property
    def said(self) -> str:
        """How it came, as the header says it: ``reused``, ``restored from cache in 0.41s``."""
        if self.how == "reused":
            return "reused"
        verb = "restored from cache" if self.how == "restored" else "built"
        return f"{verb} in {self.seconds:.2f}s"


@dataclass(frozen=True)
class TemplateCache:
    """The folder saved templates are restored from and saved to, and how (the kind's tools)."""

    folder: Path
    dumper: Dumper

    @classmethod
    def at(cls, folder: Path | None, backend: Backend) -> TemplateCache | None:
        """The cache in ``folder`` (None: no cache) with the dump and restore of ``backend``'s
        kind."""
        if folder is None:
            return None
        from dbfleet.backends import open_dumper

        return cls(folder, open_dumper(backend))


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


def schema_fingerprint(
    backend: Backend, migrator: Migrator, extra_globs: tuple[str, ...], rootdir: Path
) -> TemplateFingerprint:
    """Everything the template's schema depends on: the migrations and what they read, the
    ``dbfleet_fingerprint`` files, and the server's version (a clone cannot cross versions)."""
    return fingerprint(
        migrate_spec=migrator.spec,
        sources=migrator.sources(),
        extra_globs=extra_globs,
        rootdir=rootdir,
        server_version=backend.server_version(),
    )


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
    source: str = "",
    cache: TemplateCache | None = None,
) -> Template:
    """Reuse the template named by the fingerprint, or build it under another name first.

    The server-wide lock makes the controller, workers and concurrent runs agree on one build;
    whoever waits finds the finished template by name and reuses it. With a ``cache``, a saved
    template of the same fingerprint is restored instead of building, and a build is saved.
    """
    claim = claim_template(
        backend,
        migrator=migrator,
        fingerprint=fingerprint,
        run=run,
        environ=environ,
        export=export,
        source=source,
        cache=cache,
    )
    return claim.finish()


class TemplateClaim:
    """The template's lock, held by the process that will build (or restore) it, and the build
    still to do: :func:`claim_template` takes it, :meth:`finish` does the work and lets go.

    Taking the lock apart from the build lets a controller hold it before its workers start and
    build while they import and collect: whoever else needs the template (a worker, another run)
    waits on the lock, then finds the template by name, as after any other run's build. Both
    steps run in the thread that owns the lock (a file lock belongs to its thread).
    """

    def __init__(
        self,
        backend: Backend,
        name: str,
        fingerprint: str,
        started: float,
        lock: ExitStack,
        build: Callable[[], tuple[str, str]] | None,
        doing: str,
    ) -> None:
        self.backend, self.name, self.fingerprint = backend, name, fingerprint
        self._started, self._lock, self._build = started, lock, build
        #: What the build will be: ``building``, ``restoring`` (a saved file of this
        #: fingerprint exists), or "" when the template is there to reuse.
        self.doing = doing

    def finish(self) -> Template:
        """Build or restore the template if it is missing, drop stale ones, let the lock go."""
        how, note = "reused", ""
        with self._lock:
            if self._build is not None:
                how, note = self._build()
            stale = _drop_stale_templates(self.backend, self.backend.base_name, keep=self.name)
        seconds = time.perf_counter() - self._started
        reused = how == "reused"
        return Template(
            self.name, self.fingerprint, reused, seconds, stale, how=how, cache_note=note
        )

    def release(self) -> None:
        """Let the lock go without building (the run stopped before it got to it)."""
        self._lock.close()


def claim_template(
    backend: Backend,
    *,
    migrator: Migrator,
    fingerprint: TemplateFingerprint,
    run: Run,
    environ: dict[str, str],
    export: tuple[str, ...],
    source: str = "",
    cache: TemplateCache | None = None,
) -> TemplateClaim:
    """Take the template's lock and decide: reuse, or build (restore) in :meth:`finish`. An
    unmarked database on its name is refused here, before anything is created."""
    started = time.perf_counter()
    base = backend.base_name
    name = template_name(base, fingerprint, backend.name_limit)
    claim_run(backend, run)
    sweep_staging(backend, run)
    # Declared before the lookup, so a run dropping stale templates either sees this run's
    # claim and skips the template, or drops it first and this run builds it anew.
    backend.hold_shared(_in_use(name))
    lock = ExitStack()
    lock.enter_context(backend.lock(_template_lock(name)))
    build: Callable[[], tuple[str, str]] | None = None
    doing = ""
    try:
        marker = backend.marker(name)
        if not (marker is not None and marker.kind == "template"):
            _refuse_unmarked(backend, name, marker, source=source)
            if marker is not None:
                backend.drop(name)

            def build() -> tuple[str, str]:
                return _restore_or_build(
                    backend, base, name, migrator, fingerprint, run, environ, export, cache, source
                )

            saved = cache is not None and (
                template_cache.file_for(cache.folder, base, fingerprint).exists()
            )
            doing = "restoring" if saved else "building"
    except BaseException:
        lock.close()
        raise
    return TemplateClaim(backend, name, fingerprint.digest, started, lock, build, doing)


def await_template(backend: Backend, name: str) -> bool:
    """Wait for whoever holds template ``name``'s lock (its build) to let it go; whether the
    template is there then. No timeout: a build that fails or dies lets the lock go too."""
    with backend.lock(_template_lock(name)):
        marker = backend.marker(name)
    return marker is not None and marker.kind == "template"


def _restore_or_build(
    backend: Backend,
    base: str,
    name: str,
    migrator: Migrator,
    fingerprint: TemplateFingerprint,
    run: Run,
    environ: dict[str, str],
    export: tuple[str, ...],
    cache: TemplateCache | None,
    source: str,
) -> tuple[str, str]:
    """``restored`` from the cache when its file for this fingerprint checks out, else
    ``built``; with the cache's one line when it had a file it could not use, or could not
    save the build."""
    note = ""
    if cache is not None:
        path = template_cache.file_for(cache.folder, base, fingerprint)
        if path.exists():
            try:
                saved = template_cache.check(path, fingerprint, cache.dumper)

                def restore(building: str, marker: Marker) -> None:
                    point("restore:started")
                    cache.dumper.restore(saved.path, building, marker, saved.record.written_by)
                    point("restore:done")

                _stage(backend, base, name, fingerprint, run, restore, "restoring", source)
                return "restored", ""
            except template_cache.Unusable as error:
                note = template_cache.set_aside(path, str(error))
            except (Interrupted, MigrationError):
                raise
            except DbfleetError as error:
                note = template_cache.set_aside(
                    path, f"restore failed: {str(error).removeprefix('dbfleet: ')}"
                )

    def build(building: str, marker: Marker) -> None:
        _migrate_into(backend, building, migrator, environ, export)
        if cache is not None:
            nonlocal note
            try:
                template_cache.save(cache.dumper, building, cache.folder, base, fingerprint)
            except (DbfleetError, OSError) as error:
                why = str(error).removeprefix("dbfleet: ")
                note = note or f"template cache: the built template was not saved ({why})"

    _stage(backend, base, name, fingerprint, run, build, "building", source)
    return "built", note


def _stage(
    backend: Backend,
    base: str,
    name: str,
    fingerprint: TemplateFingerprint,
    run: Run,
    fill: Callable[[str, Marker], None],
    doing: str,
    source: str,
) -> None:
    """Create the build under its own name, ``fill`` it (migrate, or restore a saved
    template), then turn it into the template: a crash before the last step leaves only a
    database marked as an unfinished build."""
    building = building_name(base, fingerprint, backend.name_limit)
    leftover = backend.marker(building)
    _refuse_unmarked(backend, building, leftover, source=source)
    if leftover is not None:
        backend.drop(building)
    marker = Marker.new("building", base, fingerprint.digest, run)
    try:
        backend.create_empty(building, marker)
        with progress.shown(f"{doing} template {name}"):
            pause("template:filling")
            fill(building, marker)
    except KeyboardInterrupt:
        with _uninterruptible():
            # Also the staging name ``create_empty`` may have been stopped under.
            for half_made in (building, staging_name(building, run.id)):
                backend.drop(half_made)
        raise Interrupted(
            f"dbfleet: interrupted while {doing} template {name}; nothing was kept"
        ) from None
    except MigrationError as error:
        raise MigrationError(
            f"dbfleet: building template {name} failed: migration {error}; "
            "nothing was kept — fix the migration and run again"
        ) from None
    except DbfleetError:
        with _uninterruptible():
            backend.drop(building)
        raise
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
        with _uninterruptible():
            backend.drop(name)
        raise


@contextmanager
def _uninterruptible() -> Iterator[None]:
    """A second Ctrl-C while a half-built database is dropped would leave it behind: the drop
    is short, so SIGINT waits until it is done (only the main thread can change handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: Templates kept per base: a branch switch, a revert or ``--create-db`` back and forth reuses
#: one of these instead of migrating again. Older ones are dropped once no run uses them.
KEPT_TEMPLATES = 3


def _superseded(templates: list[ManagedDatabase], keep: str | None = None) -> list[str]:
    """The templates of one base beyond the newest ``KEPT_TEMPLATES`` (``keep``, the one a
    run is about to use, always counts among those kept)."""
    ordered = sorted(templates, key=lambda db: (db.name != keep, -db.marker.created))
    return [db.name for db in ordered[KEPT_TEMPLATES:]]


def _drop_stale_templates(backend: Backend, base: str, keep: str) -> tuple[str, ...]:
    """Drop this base's templates beyond the newest few that no live run still clones from."""
    templates = [db for db in backend.list_managed() if db.marker.base == base]
    templates = [db for db in templates if db.marker.kind == "template"]
    if not any(db.name == keep for db in templates):
        return ()
    dropped = []
    for name in _superseded(templates, keep):
        with _exclusively(backend, _in_use(name)) as unused:
            if unused:
                backend.drop(name)
                dropped.append(name)
    return tuple(dropped)


@contextmanager
def _exclusively(backend: Backend, key: str) -> Iterator[bool]:
    """Try ``key`` exclusively; yields whether it was free, and releases it afterwards."""
    taken = backend.try_exclusive(key)
    try:
        yield taken
    finally:
        if taken:
            backend.release_exclusive(key)


def _refuse_unmarked(
    backend: Backend,
    name: str,
    marker: Marker | None,
    *,
    namespace: str | None = None,
    source: str = "",
) -> None:
    """Stop at an unmarked ``name``, naming every unmarked database on the project's names at
    once (not only the first one met), so clearing them takes one failed run, not one each."""
    if marker is None and backend.exists(name):
        found = [item.name for item in in_the_way(backend, namespace)]
        names = found if name in found else [name, *found]
        raise Unmarked(refusal(names, backend.base_name, source), name)


def claim_run(backend: Backend, run: Run) -> None:
    """Hold this run's lock on ``backend``'s connection before it creates anything: while it is
    held, the run's staging databases are its work in progress, never a dead run's leftovers."""
    backend.hold_shared(run_lock(run.id))


def run_gone(backend: Backend, run_id: str) -> bool:
    """Whether no process anywhere still holds run ``run_id``'s lock on this server."""
    with _exclusively(backend, run_lock(run_id)) as free:
        return free


def sweep_staging(backend: Backend, run: Run) -> list[str]:
    """Drop the staging databases of runs that are gone: a crash between create and rename.

    A staging name is reserved to dbfleet and names its run, so nothing else can hold it; this
    run's own are left alone (its lock would not tell it apart from them).
    """
    dropped = []
    for name in backend.list_staging():
        owner = staging_run(name)
        if owner is not None and owner != run.id and run_gone(backend, owner):
            backend.drop(name)
            dropped.append(name)
    return dropped


def provision(
    backend: Backend,
    *,
    worker_id: str,
    template: Template,
    run: Run,
    namespace: str | None = None,
    adopt: bool = False,
) -> FleetDatabase:
    """Clone this worker's database from the template, clearing a crashed run's leftover.

    With ``adopt``, a clone of the same template that this run already made under the name
    (the controller clones ahead while its workers start) is taken as it is: whichever of the
    two comes first clones, the other adopts, and neither ever drops the other's.
    """
    started = time.perf_counter()
    base = backend.base_name
    name = worker_database_name(base, worker_id, backend.name_limit, namespace)
    claim_run(backend, run)
    # Locked per name, not per template: clones of one template may run at once (measured: no
    # conflicts, the template admits no connections), and the lock only orders check-drop-clone.
    with backend.lock(f"dbfleet:database:{name}"):
        existing = backend.marker(name) if adopt else None
        adopted = (
            existing is not None
            and existing.kind == "worker"
            and existing.owned_by(run)
            and existing.fingerprint == template.fingerprint
        )
        if not adopted:
            _clear_the_way(backend, name, run, namespace=namespace)
            marker = Marker.new("worker", base, template.fingerprint, run)
            backend.clone(template.name, name, marker)
    return _fleet_database(backend, name, worker_id, template.name, template.fingerprint, started)


def provision_by_migrating(
    backend: Backend,
    *,
    worker_id: str,
    migrator: Migrator,
    run: Run,
    environ: dict[str, str],
    export: tuple[str, ...],
    namespace: str | None = None,
) -> FleetDatabase:
    """The hand-written-conftest baseline: an empty database per worker, migrated in place.

    Kept as ``--dbfleet-provision=migrate`` so ``dbfleet bench`` compares against the usual
    approach with the same naming, safety and cleanup, rather than against a strawman.
    """
    started = time.perf_counter()
    base = backend.base_name
    name = worker_database_name(base, worker_id, backend.name_limit, namespace)
    claim_run(backend, run)
    with backend.lock(f"dbfleet:database:{name}"):
        _clear_the_way(backend, name, run, namespace=namespace)
        backend.create_empty(name, Marker.new("worker", base, "", run))
    try:
        _migrate_into(backend, name, migrator, environ, export)
    except MigrationError as error:
        raise MigrationError(f"dbfleet: migrating {name} failed: migration {error}") from None
    return _fleet_database(backend, name, worker_id, "", "", started)


def _clear_the_way(
    backend: Backend,
    name: str,
    run: Run,
    *,
    drop: bool = True,
    namespace: str | None = None,
    source: str = "",
) -> None:
    """Make room for ``name``: refuse unmarked or live databases, drop dead leftovers.

    A leftover counts as dead only when its owner is provably gone *and* nobody is connected.
    """
    existing = backend.marker(name)
    _refuse_unmarked(backend, name, existing, namespace=namespace, source=source)
    if existing is None:
        return
    if not existing.owned_by(run):
        alive = existing.owner_alive() is not False or backend.has_sessions(name)
        if alive:
            raise HeldByLiveRun(
                f"dbfleet: database {name} belongs to another run that is still going "
                f"(run {existing.run} on {existing.host}:{existing.pid}); wait for it to finish, "
                "or give this run its own dbfleet_namespace",
                name,
            )
    if drop:
        backend.drop(name)


def _name_claim(name: str) -> str:
    """Held exclusively, for the whole run, by the process that decided to use ``name``."""
    return f"dbfleet:name:{name}"


@dataclass(frozen=True)
class Reservation:
    """The names a run holds, and the namespace it took (None: the plain names)."""

    namespace: str | None
    names: tuple[str, ...]
    #: Why a namespace was taken when none was asked for ("" otherwise).
    reason: str = ""


def reserve(
    backend: Backend,
    *,
    worker_ids: list[str],
    run: Run,
    namespace: str | None,
    source: str = "",
) -> Reservation:
    """Claim every name the run needs before anything is created, in the controller (or the
    serial process), so that two runs started at the same instant cannot both pick them.

    A run whose names another live run holds takes a namespace of its own, derived from its run
    id, unless the user chose one; an unmarked database in the way still stops the run. A worker
    failing on its own would be reported by xdist as a crash and replaced under a new id, which
    would hide the collision instead of resolving it. ``source`` names the setting the URL
    came from, for the refusal's advice.
    """

    def names(candidate: str | None) -> tuple[str, ...]:
        return tuple(
            worker_database_name(backend.base_name, worker_id, backend.name_limit, candidate)
            for worker_id in worker_ids
        )

    if namespace is not None:
        return Reservation(namespace, _claim(backend, names(namespace), run, namespace, source))
    try:
        return Reservation(None, _claim(backend, names(None), run, None, source))
    except HeldByLiveRun as held:
        tag = run.id[:6]
        reason = f"{held.name} is held by a live run"
        return Reservation(tag, _claim(backend, names(tag), run, tag, source), reason)


def _claim(
    backend: Backend, names: tuple[str, ...], run: Run, namespace: str | None, source: str
) -> tuple[str, ...]:
    """Take every name's claim and check that nothing live is in the way; all or none."""
    claimed: list[str] = []
    try:
        for name in names:
            if not backend.try_exclusive(_name_claim(name)):
                raise HeldByLiveRun(
                    f"dbfleet: database {name} belongs to another run that is still going; "
                    "wait for it to finish, or give this run its own dbfleet_namespace",
                    name,
                )
            claimed.append(name)
        for name in names:
            _clear_the_way(backend, name, run, drop=False, namespace=namespace, source=source)
    except BaseException:
        for name in claimed:
            backend.release_exclusive(_name_claim(name))
        raise
    return names


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


def sweep_run(
    backend: Backend, run: Run, connect: Callable[[], Backend] | None = None
) -> list[str]:
    """Drop this run's worker databases whose process has exited, and its staging databases;
    run by the controller at the end, when its workers have stopped.

    Workers leave their clone to the controller (a ``DROP ... WITH (FORCE)`` takes ≈0.4 s, and
    the run is not over until the last worker has exited), so this drops every worker's
    database, a crashed worker's too. With ``connect``, the drops run at once, one thread and
    one connection each: a server drops N databases in about the time of one. Each thread reads
    the marker again before it drops (``release``), so only what this run marked goes.
    """
    exited = [
        db.name
        for db in backend.list_managed()
        if db.marker.kind == "worker"
        and db.marker.owned_by(run)
        and db.marker.pid != os.getpid()
        and db.marker.owner_alive() is False
    ]
    if connect is None or len(exited) < 2:
        dropped = [name for name in exited if release(backend, name, run)]
    else:
        dropped = _release_in_parallel(connect, exited, run)
    for name in backend.list_staging():
        if staging_run(name) == run.id:
            backend.drop(name)
            dropped.append(name)
    return dropped


#: At most this many drops at once: more connections than that only queue on the server.
DROP_THREADS = 8


def _release_in_parallel(connect: Callable[[], Backend], names: list[str], run: Run) -> list[str]:
    """``release`` each of ``names`` on a connection of its own; every drop is tried, then the
    first failure (if any) is raised."""

    def release_one(name: str) -> bool:
        backend = connect()
        try:
            return release(backend, name, run)
        finally:
            backend.close()

    with ThreadPoolExecutor(min(len(names), DROP_THREADS), "dbfleet-drop") as pool:
        futures = [pool.submit(release_one, name) for name in names]
    dropped, failures = [], []
    for name, future in zip(names, futures, strict=True):
        error = future.exception()
        if error is not None:
            failures.append(error)
        elif future.result():
            dropped.append(name)
    if failures:
        raise failures[0]
    return dropped


@dataclass(frozen=True)
class Collected:
    name: str
    kind: str
    reason: str


def collect(backend: Backend, *, base: str | None, dry_run: bool) -> list[Collected]:
    """What ``dbfleet gc`` drops (or, dry, would drop): only what is provably dead.

    A template goes when ``KEPT_TEMPLATES`` newer ones of its base exist and no live run holds
    its in-use claim;
    any other database when its owner's process is gone, its run's lock is free and nobody is
    connected; a staging database when its run's lock is free. ``base`` limits it to one base
    (a staging database not yet signed names no base, so only an all-bases gc takes it).
    """
    everything = backend.list_managed()
    managed = [db for db in everything if base is None or db.marker.base == base]
    by_base: dict[str, list[ManagedDatabase]] = {}
    for db in managed:
        if db.marker.kind == "template":
            by_base.setdefault(db.marker.base, []).append(db)
    superseded = {name for templates in by_base.values() for name in _superseded(templates)}
    found: list[Collected] = []

    def take(name: str, kind: str, reason: str, claim: str | None = None) -> None:
        _take(backend, found, Collected(name, kind, reason), claim, dry_run)

    for db in managed:
        marker = db.marker
        if marker.kind == "template":
            if db.name in superseded:
                reason = f"superseded ({KEPT_TEMPLATES} newer kept), no run uses it"
                take(db.name, marker.kind, reason, _in_use(db.name))
        elif (
            marker.owner_alive() is False
            and run_gone(backend, marker.run)
            and not backend.has_sessions(db.name)
        ):
            take(db.name, marker.kind, f"owner pid {marker.pid} is gone, nobody connected")
    if base is None:
        signed = {db.name for db in everything}
        for name in backend.list_staging():
            owner = staging_run(name)
            if name not in signed and owner is not None and run_gone(backend, owner):
                take(name, "staging", f"run {owner} died before signing it")
    return found


def _take(
    backend: Backend, found: list[Collected], item: Collected, claim: str | None, dry_run: bool
) -> None:
    """Drop ``item`` (or, dry, only list it) unless ``claim`` is held: a live run's in-use lock."""
    with _exclusively(backend, claim) if claim else nullcontext(True) as unclaimed:
        if not unclaimed:
            return
        if not dry_run:
            backend.drop(item.name)
    found.append(item)


def remove(backend: Backend, *, base: str, templates: bool, dry_run: bool) -> list[Collected]:
    """What ``dbfleet drop`` removes: every database dbfleet made for ``base`` that no live run
    holds, templates too when asked (the next run builds one again). Unmarked databases are
    never listed, so never dropped."""
    found: list[Collected] = []
    for db in backend.list_managed():
        marker = db.marker
        if marker.base != base:
            continue
        if marker.kind == "template":
            if templates:
                item = Collected(db.name, marker.kind, "no run uses it")
                _take(backend, found, item, _in_use(db.name), dry_run)
        elif (
            marker.owner_alive() is not True
            and run_gone(backend, marker.run)
            and not backend.has_sessions(db.name)
        ):
            item = Collected(db.name, marker.kind, "no live run holds it")
            _take(backend, found, item, None, dry_run)
    return found
