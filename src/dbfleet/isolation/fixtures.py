"""The fixtures a test asks for: its database, its level, and SQLAlchemy on top of them.

Kept apart from the hooks (``plugin``), which re-export them by name so pytest finds them on the
one registered plugin. Each fixture asks the test's level unit (``strategies``) what it needs:
a transaction rolled back afterwards (``rolls_back``), engines that follow the test's own
database (``own_database``). All of them depend on ``_dbfleet_isolation``, so the level is
applied before any of them opens a connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from dbfleet.errors import DbfleetError
from dbfleet.fleet import FleetDatabase
from dbfleet.isolation.engines import (
    LoopEngines,
    async_engine,
    follow_database,
    require_sqlalchemy,
    sync_engine,
)
from dbfleet.isolation.state import ISOLATION, IsolationState, TestDatabase, current, fail
from dbfleet.isolation.strategies import STRATEGIES

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
    from sqlalchemy.orm import Session


@pytest.fixture
def dbfleet_test_database(_dbfleet_isolation: TestDatabase | None) -> FleetDatabase:
    """The database this test uses: its own clone under isolation fresh, else the worker's.

    Under fresh, the exported variables (``DATABASE_URL``…) name it for the test's duration too.
    """
    return current(_dbfleet_isolation).database


@pytest.fixture
def dbfleet_isolation_level(_dbfleet_isolation: TestDatabase | None) -> str:
    """The running test's level (``none``, ``rollback``, ``reset`` or ``fresh``), after marks:
    what a suite's own fixtures need to decide how to hand the app its database."""
    return current(_dbfleet_isolation).level.value


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
        fail(error)
    yield engine
    engine.dispose()


@pytest.fixture
def _dbfleet_test_engine(
    request: pytest.FixtureRequest, _dbfleet_isolation: TestDatabase | None
) -> Engine:
    """The session's engine, or under fresh an engine on the test's own database."""
    given = current(_dbfleet_isolation)
    if not STRATEGIES[given.level].own_database:
        return request.getfixturevalue("dbfleet_engine")  # type: ignore[no-any-return]
    state = request.config.stash[ISOLATION]
    engine = state.fresh_engine
    if engine is None:
        try:
            engine = sync_engine(given.database.url, "dbfleet_connection", poolclass=_null_pool())
        except DbfleetError as error:
            fail(error)
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
    level = current(_dbfleet_isolation).level
    connection = _dbfleet_test_engine.connect()
    if not STRATEGIES[level].rolls_back:
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

    rollback = STRATEGIES[current(_dbfleet_isolation).level].rolls_back
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
    given = current(_dbfleet_isolation)
    state = request.config.stash[ISOLATION]
    if STRATEGIES[given.level].own_database:
        # NullPool keeps no connection, so one engine serves every loop and every database.
        engine = state.fresh_async_engine
        if engine is None:
            try:
                engine = async_engine(given.database.url, poolclass=_null_pool())
            except DbfleetError as error:
                fail(error)
            state.fresh_async_engine = _following(engine, state)
        yield engine
        return
    try:
        if state.loop_engines is None:
            require_sqlalchemy("dbfleet_async_engine", asyncio=True)
            state.loop_engines = LoopEngines(given.database.url)
        state.loop_engines.forget_closed()
        yield await state.loop_engines.engine()
    except DbfleetError as error:
        fail(error)


async def _async_connection_fixture(
    request: pytest.FixtureRequest,
    dbfleet_async_engine: AsyncEngine,
    _dbfleet_isolation: TestDatabase | None,
) -> AsyncIterator[AsyncConnection]:
    """An AsyncConnection for this test; under rollback, inside a transaction rolled back
    afterwards."""
    level = current(_dbfleet_isolation).level
    if not STRATEGIES[level].rolls_back:
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

    rollback = STRATEGIES[current(_dbfleet_isolation).level].rolls_back
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
