"""pytest glue for per-test isolation: options, the ``dbfleet`` mark, hooks and fixtures.

Thin on purpose: the levels live in ``levels``, restoring in ``restore`` and its per-database
modules, the clone pool in ``pool``, engines in ``engines``, leak arithmetic in ``leaks``.
Everything this process keeps lives on ``config.stash`` under ``ISOLATION``; the worker's own
database comes from the core plugin's ``FleetState``.

Per test, the autouse fixture ``_dbfleet_isolation`` runs first and is torn down last (plugin
autouse fixtures come before the test's own), so a reset or a leak count sees the database after
every fixture of the test has closed its connections.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from sqlalchemy.engine import make_url

from dbfleet import environ
from dbfleet.backends import Restorer, open_backend, open_restorer, pool_backend_url
from dbfleet.config import IsolationSettings
from dbfleet.errors import DbfleetError
from dbfleet.fleet import FleetDatabase
from dbfleet.isolation.engines import (
    LoopEngines,
    async_engine,
    follow_database,
    require_sqlalchemy,
    sync_engine,
)
from dbfleet.isolation.leaks import Leak, describe, from_json, leaks, to_json
from dbfleet.isolation.levels import (
    LEVELS,
    LeakMode,
    Level,
    marked_level,
)
from dbfleet.isolation.pool import FreshPool
from dbfleet.isolation.strays import StrayConnections, warning_line
from dbfleet.state import INACTIVE, FleetState, fleet_settings, fleet_state, usage_errors
from dbfleet.urls import with_database

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
    from sqlalchemy.orm import Session

#: The user property carrying a test's leaks from an xdist worker to the controller.
LEAKS_PROPERTY = "dbfleet_leaks"

#: The ``workeroutput`` key carrying a worker's isolation numbers to the controller.
OUTPUT_KEY = "dbfleet_isolation"


@dataclass
class IsolationState:
    """This process's isolation machinery, kept on ``config.stash`` until the session ends."""

    settings: IsolationSettings
    restorer: Restorer | None = None
    pool: FreshPool | None = None
    captured: bool = False
    loop_engines: LoopEngines | None = None
    #: Under fresh: the running test's database, and the engines that follow it.
    fresh_url: str = ""
    fresh_engine: Engine | None = None
    fresh_async_engine: AsyncEngine | None = None
    #: The level of the previous test on this worker: after a ``none`` test a ``reset`` test
    #: first checks that it starts clean.
    previous: Level | None = None
    #: Seconds dbfleet added to each test, per level, and what the resets put back.
    overhead: dict[str, list[float]] = field(default_factory=dict)
    restored_tables: int = 0
    #: (test id, leaks) of every leaking test, gathered where the summary is written.
    leaking: list[tuple[str, tuple[Leak, ...]]] = field(default_factory=list)
    pool_numbers: dict[str, float] = field(default_factory=dict)
    #: Under fresh: connections that missed the test's clone, and the totals of every worker.
    strays: StrayConnections | None = None
    stray_tests: int = 0
    stray_targets: list[str] = field(default_factory=list)


ISOLATION = pytest.StashKey[IsolationState]()
LEVEL = pytest.StashKey[Level]()


@dataclass(frozen=True)
class TestDatabase:
    """What the running test was given: its level and the database it should use."""

    __test__ = False  # not a test class, whatever pytest's name heuristics think

    level: Level
    database: FleetDatabase


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "dbfleet(isolation=\"none|rollback|reset|fresh\"): this test's (class's, module's) "
        "isolation level, overriding dbfleet_isolation",
    )
    settings = fleet_settings(config)
    state = IsolationState(settings.isolation if settings else IsolationSettings())
    config.stash[ISOLATION] = state
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(LeakReports(state), "dbfleet-isolation-leaks")


def _fleet(config: pytest.Config) -> FleetState | None:
    """The core plugin's state when this process runs tests against a database of its own."""
    fleet = fleet_state(config)
    return fleet if fleet is not None and fleet.database is not None else None


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(ISOLATION, None)
    if state is None or fleet_state(config) is None:
        return None
    settings = state.settings
    line = f"dbfleet isolation: {settings.level}"
    if settings.leaks is not LeakMode.OFF:
        line += f", leak check {settings.leaks}"
    return line + f", fresh pool {settings.pool_size} per worker"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return
    for item in items:
        marks = [mark.kwargs for mark in item.iter_markers("dbfleet")]
        with usage_errors():
            item.stash[LEVEL] = marked_level(marks, state.settings.level, item.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Capture the template's rows and start the pool before the first test can write."""
    config = session.config
    state = config.stash.get(ISOLATION, None)
    fleet = _fleet(config)
    if state is None or fleet is None or config.option.collectonly:
        return
    levels = [item.stash.get(LEVEL, state.settings.level) for item in session.items]
    checks_leaks = state.settings.leaks is not LeakMode.OFF
    with usage_errors():
        if Level.RESET in levels or checks_leaks:
            state.restorer = open_restorer(_database(fleet).url)
        if Level.RESET in levels and state.restorer is not None:
            state.restorer.capture()
            state.captured = True
        fresh = levels.count(Level.FRESH)
        if fresh:
            state.pool = _start_pool(fleet, state.settings, fresh)
            state.strays = StrayConnections(_database(fleet).url)
            state.strays.start()


def _database(fleet: FleetState) -> FleetDatabase:
    assert fleet.database is not None
    return fleet.database


def _start_pool(fleet: FleetState, settings: IsolationSettings, wanted: int) -> FreshPool:
    if fleet.template is None:
        raise DbfleetError(
            "dbfleet: isolation fresh clones each test's database from the template, and "
            "--dbfleet-provision=migrate builds none; drop that option or use isolation reset"
        )
    probe = open_backend(fleet.base_url)
    try:
        version = probe.server_version()
    finally:
        probe.close()
    base_url = pool_backend_url(fleet.base_url, version)
    worker_url = make_url(_database(fleet).url)
    pool = FreshPool(
        lambda: open_backend(base_url),
        template=fleet.template,
        run=fleet.run,
        worker_id=_database(fleet).worker_id,
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


class LeakReports:
    """Gathers leaks where the summary is written: the controller, or a run without xdist.

    Workers send each test's leaks in its teardown report's ``user_properties``, which xdist
    serialises with the report."""

    def __init__(self, state: IsolationState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == LEAKS_PROPERTY:
                found = from_json(value)
                if found:
                    self.state.leaking.append((report.nodeid, found))


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return
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
            _add_targets(state, state.strays.targets)
            state.strays = None
        if state.restorer is not None:
            state.restorer.close()
            state.restorer = None
        if state.fresh_engine is not None:
            state.fresh_engine.dispose()
            state.fresh_engine = None
        state.fresh_async_engine = None  # NullPool: nothing left open
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[OUTPUT_KEY] = {
            "overhead": state.overhead,
            "restored_tables": state.restored_tables,
            "pool": state.pool_numbers,
            "strays": {"tests": state.stray_tests, "targets": state.stray_targets},
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    state = node.config.stash.get(ISOLATION, None)
    output = getattr(node, "workeroutput", {}).get(OUTPUT_KEY)
    if state is None or not isinstance(output, dict):
        return
    for level, seconds in output.get("overhead", {}).items():
        state.overhead.setdefault(level, []).extend(seconds)
    state.restored_tables += int(output.get("restored_tables", 0))
    for key, value in output.get("pool", {}).items():
        state.pool_numbers[key] = state.pool_numbers.get(key, 0) + value
    strays = output.get("strays", {})
    state.stray_tests += int(strays.get("tests", 0))
    _add_targets(state, strays.get("targets", []))


def _add_targets(state: IsolationState, targets: list[str]) -> None:
    for target in targets:
        if target not in state.stray_targets:
            state.stray_targets.append(target)


def stray_warning(config: pytest.Config) -> str | None:
    """The run's one line when fresh isolation was not in effect for some tests, else None;
    for the summary and the run report."""
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return None
    return warning_line(state.stray_tests, state.stray_targets)


def overhead_totals(config: pytest.Config) -> dict[str, dict[str, float]]:
    """Per level, the tests and the seconds isolation added to them, for the run report."""
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return {}
    return {
        level: {"tests": len(seconds), "seconds": round(sum(seconds), 4)}
        for level, seconds in state.overhead.items()
        if seconds
    }


def summary_lines(config: pytest.Config) -> list[str]:
    """Isolation's lines in the run's ``dbfleet`` section (written by the core plugin): one
    line when all went well (the section is two or three lines), one more per leaking test."""
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return []
    parts = []
    if state.overhead:
        levels = []
        for level in LEVELS:
            seconds = state.overhead.get(level)
            if seconds:
                median = statistics.median(seconds) * 1000
                # Fresh tests whose app worked elsewhere got a clone, but were not fresh.
                strays = state.stray_tests if level == Level.FRESH else 0
                levels.append(f"{len(seconds) - strays} {level} (median {median:.1f} ms added)")
                if strays:
                    levels.append(f"{strays} fresh in name only")
        parts.append("isolation: " + ", ".join(levels))
    if state.pool_numbers:
        numbers = state.pool_numbers
        parts.append(
            f"fresh pool: {int(numbers.get('cloned', 0))} cloned, "
            f"{int(numbers.get('waits', 0))} test(s) waited "
            f"{numbers.get('waited_seconds', 0.0):.2f}s in all"
        )
    leaks = []
    if state.settings.leaks is not LeakMode.OFF:
        if state.leaking:
            leaks.append(f"{len(state.leaking)} test(s) leaked rows:")
            leaks.extend(
                f"  {nodeid}: {describe(found)}" for nodeid, found in sorted(state.leaking)
            )
        else:
            parts.append("no test leaked rows")
    warning = stray_warning(config)
    return (["; ".join(parts)] if parts else []) + leaks + ([warning] if warning else [])


# ---------------------------------------------------------------------------------------------
# Fixtures


def _fail(error: DbfleetError) -> NoReturn:
    pytest.fail(str(error), pytrace=False)


@pytest.fixture(autouse=True)
def _dbfleet_isolation(request: pytest.FixtureRequest) -> Iterator[TestDatabase | None]:
    """Applies the test's level around everything else the test does; None when idle."""
    config = request.config
    state = config.stash.get(ISOLATION, None)
    fleet = _fleet(config)
    if state is None or fleet is None:
        yield None
        return
    item = request.node
    level = item.stash.get(LEVEL, state.settings.level)
    started = time.perf_counter()
    if level is Level.FRESH and "dbfleet_engine" in request.fixturenames:
        pytest.fail(
            f"dbfleet: {item.nodeid} runs with isolation fresh, but dbfleet_engine is the "
            "worker database's engine, shared by the session; use dbfleet_connection, "
            "dbfleet_session or dbfleet_test_database.url",
            pytrace=False,
        )
    counting = state.settings.leaks is not LeakMode.OFF and level in (Level.NONE, Level.ROLLBACK)
    try:
        before = state.restorer.counts() if counting and state.restorer is not None else None
        if level is Level.RESET and state.previous not in (Level.RESET, Level.FRESH):
            _reset(state)
        database = _database(fleet)
        saved: dict[str, str | None] = {}
        if level is Level.FRESH:
            assert state.pool is not None
            database = state.pool.acquire()
            state.fresh_url = database.url
            if state.strays is not None:
                state.strays.begin(database.url)
            environ.swap(dict.fromkeys(fleet.settings.export, database.url), saved)
    except DbfleetError as error:
        _fail(error)
    state.previous = level
    spent = time.perf_counter() - started
    try:
        yield TestDatabase(level, database)
    finally:
        started = time.perf_counter()
        try:
            if level is Level.FRESH:
                environ.restore(saved)
                assert state.pool is not None
                state.fresh_url = ""
                if state.strays is not None:
                    state.strays.end()
                state.pool.release(database)
            if level is Level.RESET:
                _reset(state)
            found: tuple[Leak, ...] = ()
            if before is not None and state.restorer is not None:
                found = leaks(before, state.restorer.counts())
                if found:
                    item.user_properties.append((LEAKS_PROPERTY, to_json(found)))
        except DbfleetError as error:
            _fail(error)
        spent += time.perf_counter() - started
        state.overhead.setdefault(level.value, []).append(spent)
        if found and state.settings.leaks is LeakMode.FAIL:
            pytest.fail(
                f"dbfleet: {item.nodeid} leaked rows: {describe(found)} "
                "(--dbfleet-check-leaks=fail)",
                pytrace=False,
            )


def _reset(state: IsolationState) -> None:
    restorer = state.restorer
    assert restorer is not None
    assert state.captured
    changes = restorer.changes()
    if changes:
        restored = restorer.restore(changes)
        state.restored_tables += len(restored.tables)


def _current(value: TestDatabase | None) -> TestDatabase:
    if value is None:
        pytest.fail(INACTIVE, pytrace=False)
    return value


@pytest.fixture
def dbfleet_test_database(_dbfleet_isolation: TestDatabase | None) -> FleetDatabase:
    """The database this test uses: its own clone under isolation fresh, else the worker's.

    Under fresh, the exported variables (``DATABASE_URL``…) name it for the test's duration too.
    """
    return _current(_dbfleet_isolation).database


@pytest.fixture
def dbfleet_isolation_level(_dbfleet_isolation: TestDatabase | None) -> str:
    """The running test's level (``none``, ``rollback``, ``reset`` or ``fresh``), after marks:
    what a suite's own fixtures need to decide how to hand the app its database."""
    return _current(_dbfleet_isolation).level.value


@pytest.fixture(scope="session")
def dbfleet_engine(dbfleet_database: FleetDatabase) -> Iterator[Engine]:
    """A SQLAlchemy Engine on the worker's database, for the whole session.

    Always a blocking driver: ``+asyncpg`` becomes the installed ``+psycopg`` (or ``+psycopg2``),
    ``+aiomysql`` and ``+asyncmy`` become ``+pymysql`` (or ``+mysqldb``), ``sqlite+aiosqlite``
    becomes ``sqlite``.
    """
    try:
        engine = sync_engine(dbfleet_database.url)
    except DbfleetError as error:
        _fail(error)
    yield engine
    engine.dispose()


@pytest.fixture
def _dbfleet_test_engine(
    request: pytest.FixtureRequest, _dbfleet_isolation: TestDatabase | None
) -> Engine:
    """The session's engine, or under fresh an engine on the test's own database."""
    current = _current(_dbfleet_isolation)
    if current.level is not Level.FRESH:
        return request.getfixturevalue("dbfleet_engine")  # type: ignore[no-any-return]
    state = request.config.stash[ISOLATION]
    engine = state.fresh_engine
    if engine is None:
        try:
            engine = sync_engine(current.database.url, "dbfleet_connection", poolclass=_null_pool())
        except DbfleetError as error:
            _fail(error)
        state.fresh_engine = _following(engine, state)
    return engine


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def _following(engine: Any, state: IsolationState) -> Any:
    """The engine, opening each connection on the fresh database of the running test."""
    sync = getattr(engine, "sync_engine", engine)
    follow_database(sync, lambda: state.fresh_url)
    if state.strays is not None:
        state.strays.follows(sync)
    return engine


def _committed_by_the_test(connection: Any) -> list[bool]:
    """Watch for the test committing the outer transaction itself (not a savepoint)."""
    from sqlalchemy import event

    committed: list[bool] = []
    event.listen(connection, "commit", lambda conn: committed.append(True))
    return committed


_OUTER_COMMITTED = (
    "dbfleet: {test} committed dbfleet_connection's outer transaction itself, so isolation "
    "rollback could not undo its writes; commit through dbfleet_session (or a Session bound "
    "with join_transaction_mode='create_savepoint'), or use isolation reset"
)


@pytest.fixture
def dbfleet_connection(
    request: pytest.FixtureRequest,
    _dbfleet_test_engine: Engine,
    _dbfleet_isolation: TestDatabase | None,
) -> Iterator[Connection]:
    """A Connection for this test; under rollback, inside a transaction rolled back afterwards."""
    level = _current(_dbfleet_isolation).level
    connection = _dbfleet_test_engine.connect()
    if level is not Level.ROLLBACK:
        with connection:
            yield connection
        return
    outer = connection.begin()
    committed = _committed_by_the_test(connection)
    try:
        yield connection
    finally:
        if outer.is_active:
            outer.rollback()
        connection.close()
    if committed:
        pytest.fail(_OUTER_COMMITTED.format(test=request.node.nodeid), pytrace=False)


@pytest.fixture
def dbfleet_session_options() -> dict[str, Any]:
    """Keyword arguments for ``dbfleet_session`` and ``dbfleet_async_session``, as the app's own
    sessionmaker passes them (``expire_on_commit=False``, ``autoflush=False``). Override it in a
    conftest; ``bind`` and ``join_transaction_mode`` stay dbfleet's, which isolation needs."""
    return {}


def _session_options(options: dict[str, Any], rollback: bool) -> dict[str, Any]:
    reserved = {"bind", "join_transaction_mode"} & set(options)
    if reserved:
        pytest.fail(
            f"dbfleet_session_options may not set {', '.join(sorted(reserved))}: dbfleet binds "
            "the session to the test's connection",
            pytrace=False,
        )
    mode = "create_savepoint" if rollback else "conditional_savepoint"
    return {**options, "join_transaction_mode": mode}


@pytest.fixture
def dbfleet_session(
    dbfleet_connection: Connection,
    _dbfleet_isolation: TestDatabase | None,
    dbfleet_session_options: dict[str, Any],
) -> Iterator[Session]:
    """An ORM Session on the test's connection.

    Under rollback, ``commit()`` and ``rollback()`` by the code under test release or roll back
    a SAVEPOINT (``join_transaction_mode="create_savepoint"``) and the test's outer transaction
    undoes everything at the end; otherwise it is a plain Session that commits for real.
    """
    require_sqlalchemy("dbfleet_session")
    from sqlalchemy.orm import Session

    rollback = _current(_dbfleet_isolation).level is Level.ROLLBACK
    options = _session_options(dbfleet_session_options, rollback)
    with Session(bind=dbfleet_connection, **options) as session:
        yield session


# Async twins. They are pytest-asyncio fixtures with no loop scope of their own, so they run in
# the loop pytest-asyncio gives a function-scoped fixture (``asyncio_default_fixture_loop_scope``)
# and the test must run in that same loop, as with any async fixture of the suite's own.

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - exercised only without pytest-asyncio
    pytest_asyncio = None  # type: ignore[assignment]


def _no_pytest_asyncio(name: str) -> Any:
    def fixture() -> None:
        pytest.fail(f"dbfleet: {name} needs pytest-asyncio; pip install pytest-asyncio")

    fixture.__name__ = name
    return pytest.fixture(name=name)(fixture)


async def _async_engine_fixture(
    request: pytest.FixtureRequest, _dbfleet_isolation: TestDatabase | None
) -> AsyncIterator[AsyncEngine]:
    """An AsyncEngine on the test's database, pooled per event loop.

    Without ``+driver`` or with a blocking one in the URL, the async driver is picked:
    ``+asyncpg`` (or psycopg 3's async mode), ``+aiomysql``, ``+aiosqlite``. One engine serves
    every test that runs in the same loop and is disposed as the loop shuts down; under fresh
    it is a NullPool engine that opens each connection on the running test's own database.
    """
    current = _current(_dbfleet_isolation)
    state = request.config.stash[ISOLATION]
    if current.level is Level.FRESH:
        # NullPool keeps no connection, so one engine serves every loop and every database.
        engine = state.fresh_async_engine
        if engine is None:
            try:
                engine = async_engine(current.database.url, poolclass=_null_pool())
            except DbfleetError as error:
                _fail(error)
            state.fresh_async_engine = _following(engine, state)
        yield engine
        return
    try:
        if state.loop_engines is None:
            require_sqlalchemy("dbfleet_async_engine", asyncio=True)
            state.loop_engines = LoopEngines(current.database.url)
        state.loop_engines.forget_closed()
        yield await state.loop_engines.engine()
    except DbfleetError as error:
        _fail(error)


async def _async_connection_fixture(
    request: pytest.FixtureRequest,
    dbfleet_async_engine: AsyncEngine,
    _dbfleet_isolation: TestDatabase | None,
) -> AsyncIterator[AsyncConnection]:
    """An AsyncConnection for this test; under rollback, inside a transaction rolled back
    afterwards."""
    level = _current(_dbfleet_isolation).level
    if level is not Level.ROLLBACK:
        async with dbfleet_async_engine.connect() as connection:
            yield connection
        return
    connection = await dbfleet_async_engine.connect()
    outer = await connection.begin()
    committed = _committed_by_the_test(connection.sync_connection)
    try:
        yield connection
    finally:
        if outer.is_active:
            await outer.rollback()
        await connection.close()
    if committed:
        pytest.fail(_OUTER_COMMITTED.format(test=request.node.nodeid), pytrace=False)


async def _async_session_fixture(
    dbfleet_async_connection: AsyncConnection,
    _dbfleet_isolation: TestDatabase | None,
    dbfleet_session_options: dict[str, Any],
) -> AsyncIterator[AsyncSession]:
    """An AsyncSession on the test's connection; under rollback its commits and rollbacks
    work on a SAVEPOINT and the test's outer transaction undoes everything at the end."""
    from sqlalchemy.ext.asyncio import AsyncSession

    rollback = _current(_dbfleet_isolation).level is Level.ROLLBACK
    options = _session_options(dbfleet_session_options, rollback)
    async with AsyncSession(bind=dbfleet_async_connection, **options) as session:
        yield session


if pytest_asyncio is not None:
    dbfleet_async_engine = pytest_asyncio.fixture(name="dbfleet_async_engine")(
        _async_engine_fixture
    )
    dbfleet_async_connection = pytest_asyncio.fixture(name="dbfleet_async_connection")(
        _async_connection_fixture
    )
    dbfleet_async_session = pytest_asyncio.fixture(name="dbfleet_async_session")(
        _async_session_fixture
    )
else:  # pragma: no cover - exercised only without pytest-asyncio
    dbfleet_async_engine = _no_pytest_asyncio("dbfleet_async_engine")
    dbfleet_async_connection = _no_pytest_asyncio("dbfleet_async_connection")
    dbfleet_async_session = _no_pytest_asyncio("dbfleet_async_session")
