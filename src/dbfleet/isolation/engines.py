"""SQLAlchemy engines for the fixtures: one blocking engine per database, async ones per loop.

An asyncpg (or aiomysql) connection belongs to the event loop that opened it, and pytest-asyncio
gives every test a new loop by default, so one session-wide async engine breaks on the second
test; hand-written suites fall back to ``NullPool``, paying a connection per checkout.
``LoopEngines`` keeps one pooled engine per running loop instead and disposes it while that loop
shuts down (as an async generator the loop finalises), so a test, or a whole module or session
under a wider ``loop_scope``, reuses its connections. bench/isolation.py, three checkouts per
test, over four runs on a shared 2-CPU machine: 10-16 ms against NullPool's 15-30 ms with a new
loop per test, 1-2 ms against 17-37 ms when tests share a loop.

SQLAlchemy stays an optional dependency of these fixtures: everything imports it lazily, and a
missing package becomes one line saying what to install.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from dbfleet.backends import find_kind
from dbfleet.backends.drivers import async_driver, installed, missing_driver, sync_driver
from dbfleet.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine


def require_sqlalchemy(fixture: str, *, asyncio: bool = False) -> None:
    """Fail with the line to run when the fixture's libraries are missing."""
    if not installed("sqlalchemy"):
        raise ConfigError(f"dbfleet: {fixture} needs SQLAlchemy 2; pip install 'sqlalchemy>=2'")
    if asyncio and not installed("greenlet"):
        raise ConfigError(
            f"dbfleet: {fixture} needs SQLAlchemy's asyncio extra; "
            "pip install 'sqlalchemy[asyncio]>=2'"
        )


def _with_driver(url: str, convert: Any, fixture: str) -> Any:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    drivername = convert(parsed.drivername, installed)
    package = missing_driver(drivername, installed)
    if package is not None:
        raise ConfigError(
            f"dbfleet: {fixture} connects with {drivername}, which needs {package}; "
            f"pip install {package}"
        )
    return parsed.set(drivername=drivername)


def _prepare(engine: Engine) -> None:
    """What the kind's engines need before a test uses them (SQLite: its own BEGIN)."""
    kind = find_kind(engine.url)
    if kind is not None and kind.prepare_engine is not None:
        kind.prepare_engine(engine)


def sync_engine(url: str, fixture: str = "dbfleet_engine", **options: Any) -> Engine:
    """A blocking engine on ``url``, whatever driver the URL names (``+asyncpg`` included)."""
    require_sqlalchemy(fixture)
    from sqlalchemy import create_engine

    target = _with_driver(url, sync_driver, fixture)
    engine = create_engine(target, **options)
    _prepare(engine)
    return engine


def async_engine(url: str, fixture: str = "dbfleet_async_engine", **options: Any) -> AsyncEngine:
    """An asyncio engine on ``url``; a blocking driver in the URL is swapped for an async one."""
    require_sqlalchemy(fixture, asyncio=True)
    from sqlalchemy.ext.asyncio import create_async_engine

    target = _with_driver(url, async_driver, fixture)
    engine = create_async_engine(target, **options)
    _prepare(engine.sync_engine)
    return engine


def follow_database(engine: Engine, current_url: Callable[[], str]) -> None:
    """Open every new connection of ``engine`` on the database ``current_url()`` names then.

    For ``fresh``, whose database changes with every test: one engine per worker (with
    ``NullPool``, nothing is reused across databases) pays SQLAlchemy's first-connect dialect
    setup once, instead of once per test (measured: 8.5 ms for a new engine's first connection
    against 4.5 ms for a connection of an initialised one). The connect arguments come from the
    dialect itself, so no driver's keyword names are hard-coded here.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import make_url

    drivername = engine.url.drivername

    @event.listens_for(engine, "do_connect")
    def _current_database(dialect: Any, record: Any, cargs: list[Any], cparams: Any) -> None:
        target = make_url(current_url()).set(drivername=drivername)
        new_args, new_params = dialect.create_connect_args(target)
        cargs[:] = list(new_args)
        cparams.clear()
        cparams.update(new_params)


class LoopEngines:
    """One pooled async engine per running event loop, for one database URL."""

    def __init__(self, url: str, fixture: str = "dbfleet_async_engine") -> None:
        self._url = url
        self._fixture = fixture
        self._engines: dict[asyncio.AbstractEventLoop, AsyncEngine] = {}
        # Strong references: the loop itself only keeps weak ones to its async generators.
        self._keepers: dict[asyncio.AbstractEventLoop, AsyncIterator[None]] = {}
        self.created = 0

    async def engine(self) -> AsyncEngine:
        loop = asyncio.get_running_loop()
        engine = self._engines.get(loop)
        if engine is not None:
            return engine
        engine = async_engine(self._url, self._fixture)
        keeper = self._keeper(loop, engine)
        await keeper.__anext__()
        self._engines[loop] = engine
        self._keepers[loop] = keeper
        self.created += 1
        return engine

    async def _keeper(
        self, loop: asyncio.AbstractEventLoop, engine: AsyncEngine
    ) -> AsyncIterator[None]:
        """Parked forever after its first step. The loop's ``shutdown_asyncgens`` (run by
        ``asyncio.run`` and ``asyncio.Runner``, so by pytest-asyncio) closes it while the loop
        still runs: the last moment the engine's connections can be closed cleanly."""
        try:
            yield
        finally:
            self._engines.pop(loop, None)
            self._keepers.pop(loop, None)
            await engine.dispose()

    def __len__(self) -> int:
        return len(self._engines)

    def forget_closed(self) -> None:
        """Drop engines of loops closed without finalising their generators (a loop closed by
        hand); their connections go with the loop, nothing can be awaited on it any more."""
        for loop in [loop for loop in self._engines if loop.is_closed()]:
            self._engines.pop(loop, None)
            self._keepers.pop(loop, None)
