"""One unit per isolation level, behind one protocol, picked by the level's name.

The hooks (``plugin``) and the fixtures (``fixtures``) never compare a level: they ask its unit
in ``STRATEGIES`` what to prepare, what to do around a test and what the test's connection needs.
Adding a level is one name in ``dbfleet.levels``, one class here and one entry in the map.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Protocol

from sqlalchemy.engine import make_url

from dbfleet import environ
from dbfleet.backends import open_backend, open_restorer, pool_backend_url
from dbfleet.config import IsolationSettings
from dbfleet.errors import DbfleetError
from dbfleet.fleet import FleetDatabase
from dbfleet.isolation.pool import FreshPool
from dbfleet.isolation.state import IsolationState
from dbfleet.isolation.strays import StrayConnections
from dbfleet.levels import Level
from dbfleet.state import FleetState
from dbfleet.urls import with_database


class Isolation(Protocol):
    """What one level does, from the session's start to its end.

    ``prepare`` runs once, before the first test, for the levels collected; ``begin`` and ``end``
    run around each test at the level (``end`` also when the test failed); ``finish`` runs for
    every level as the session ends. Errors are ``DbfleetError``, which the caller turns into the
    test's (or the run's) one line.
    """

    level: ClassVar[Level]
    #: After any test at this level the worker's database is as the test found it, whatever
    #: connection wrote: no leak check watches such a test, and a reset test after one skips
    #: its first reset.
    keeps_worker_database: ClassVar[bool] = False
    #: The test's connection runs inside a transaction rolled back afterwards, and its sessions
    #: commit to a SAVEPOINT.
    rolls_back: ClassVar[bool] = False
    #: The test gets a database of its own: engines follow it, the session's engine is refused.
    own_database: ClassVar[bool] = False

    def prepare(self, state: IsolationState, fleet: FleetState, tests: int) -> None:
        """Before the first test, for the ``tests`` tests collected at this level."""
        return None

    def begin(self, state: IsolationState, fleet: FleetState) -> FleetDatabase:
        """Before a test: the database it uses."""
        assert fleet.database is not None
        return fleet.database

    def end(self, state: IsolationState, database: FleetDatabase) -> None:
        """After a test, with the database ``begin`` gave it."""
        return None

    def finish(self, state: IsolationState) -> None:
        """As the session ends: close what ``prepare`` opened, keeping the numbers."""
        return None

    def in_name_only(self, state: IsolationState) -> int:
        """How many of this level's tests did not get what it promises, for the summary."""
        return 0


class NoneIsolation(Isolation):
    """Tests share the worker's database as they leave it: nothing added, nothing undone.

    The default, because it costs nothing; ``--dbfleet-check-leaks`` finds the tests that need
    more.
    """

    level = Level.NONE


class RollbackIsolation(Isolation):
    """The test's connection works in a transaction rolled back after the test.

    About a millisecond, but only what goes through that connection is undone: the fixtures do
    the work (``rolls_back``), so another engine, thread or process still leaves rows behind.
    """

    level = Level.ROLLBACK
    rolls_back = True


class ResetIsolation(Isolation):
    """After the test, the tables whose rows changed get the template's rows back.

    Catches writes from any connection, at the price of comparing every table after each test;
    the template's rows are captured once, before the first test can write.
    """

    level = Level.RESET
    keeps_worker_database = True

    def prepare(self, state: IsolationState, fleet: FleetState, tests: int) -> None:
        if state.restorer is None:
            assert fleet.database is not None
            state.restorer = open_restorer(fleet.database.url)
        state.restorer.capture()
        state.captured = True

    def begin(self, state: IsolationState, fleet: FleetState) -> FleetDatabase:
        # A test that kept nothing back may have left rows, even with fresh tests in between
        # (they never touch the worker's database): this test must start clean too.
        if not state.worker_clean:
            _reset(state)
        return super().begin(state, fleet)

    def end(self, state: IsolationState, database: FleetDatabase) -> None:
        _reset(state)
        state.worker_clean = True


def _reset(state: IsolationState) -> None:
    restorer = state.restorer
    assert restorer is not None
    assert state.captured
    changes = restorer.changes()
    if changes:
        restored = restorer.restore(changes)
        state.restored_tables += len(restored.tables)


class FreshIsolation(Isolation):
    """The test gets a database of its own, cloned from the template ahead of time.

    Nothing is shared, at the price of a clone per test, which a per-worker pool makes off the
    test's critical path. The exported variables (``DATABASE_URL``…) name the clone during the
    test, and connections that reach another database anyway are counted as strays.
    """

    level = Level.FRESH
    keeps_worker_database = True
    own_database = True

    def prepare(self, state: IsolationState, fleet: FleetState, tests: int) -> None:
        assert fleet.database is not None
        state.pool = _start_pool(fleet, state.settings, tests)
        state.strays = StrayConnections(fleet.database.url)
        state.strays.start()

    def begin(self, state: IsolationState, fleet: FleetState) -> FleetDatabase:
        assert state.pool is not None
        database = state.pool.acquire()
        state.fresh_url = database.url
        if state.strays is not None:
            state.strays.begin(database.url)
        environ.swap(dict.fromkeys(fleet.settings.export, database.url), state.fresh_saved)
        return database

    def end(self, state: IsolationState, database: FleetDatabase) -> None:
        environ.restore(state.fresh_saved)
        state.fresh_saved = {}
        assert state.pool is not None
        state.fresh_url = ""
        if state.strays is not None:
            state.strays.end()
        state.pool.release(database)

    def finish(self, state: IsolationState) -> None:
        try:
            if state.pool is not None:
                state.pool.close()
                stats = state.pool.stats
                state.pool_numbers = {
                    "cloned": stats.cloned,
                    "waits": stats.waits,
                    "waited_seconds": stats.waited_seconds,
                }
                state.pool = None
        finally:
            if state.strays is not None:
                state.strays.stop()
                state.stray_tests += state.strays.tests
                state.add_targets(state.strays.targets)
                state.strays = None
            if state.fresh_engine is not None:
                state.fresh_engine.dispose()
                state.fresh_engine = None
            state.fresh_async_engine = None  # NullPool: nothing left open

    def in_name_only(self, state: IsolationState) -> int:
        # A test whose app worked on another database got a clone, but was not fresh.
        return state.stray_tests


def _start_pool(fleet: FleetState, settings: IsolationSettings, wanted: int) -> FreshPool:
    if fleet.template is None:
        raise DbfleetError(
            "dbfleet: isolation fresh clones each test's database from the template, and "
            "--dbfleet-provision=migrate builds none; drop that option or use isolation reset"
        )
    assert fleet.database is not None
    probe = open_backend(fleet.base_url)
    try:
        version = probe.server_version()
    finally:
        probe.close()
    base_url = pool_backend_url(fleet.base_url, version)
    worker_url = make_url(fleet.database.url)
    pool = FreshPool(
        lambda: open_backend(base_url),
        template=fleet.template,
        run=fleet.run,
        worker_id=fleet.database.worker_id,
        size=settings.pool_size,
        wanted=wanted,
        # The pool's crash-safe connection option is for its own connections (asyncpg refuses
        # it): tests get the worker database's URL with the fresh database's name.
        url_for=(
            None if base_url == fleet.base_url else lambda name: with_database(worker_url, name)
        ),
    )
    pool.start()
    return pool


#: Each level's unit, by name, as ``--dbfleet-isolation`` and the ``dbfleet`` mark spell it.
STRATEGIES: Mapping[Level, Isolation] = {
    unit.level: unit
    for unit in (NoneIsolation(), RollbackIsolation(), ResetIsolation(), FreshIsolation())
}
