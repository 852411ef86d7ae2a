"""The hand-written database setup this suite would have without dbfleet.

It reproduces the conftest most teams write once their suite runs under pytest-xdist, so that
``dbfleet bench`` and ``dbfleet demo`` compare dbfleet with what a team actually has rather than
with dbfleet minus one feature. Enable it with ``LEDGER_TEST_DATABASES=handwritten`` and run
without the plugin::

    LEDGER_TEST_DATABASES=handwritten DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/ledger \\
        pytest -p no:dbfleet -n 2

What it does, as those conftests do:

- names each worker's database ``{base}_{worker_id}`` (a serial run keeps the base name) and
  exports it as ``DATABASE_URL`` when ``tests/conftest.py`` imports this module -- before the app
  is imported, because ``ledger.settings`` reads the variable once. The URL is rebuilt with
  ``render_as_string(hide_password=False)``: ``str()`` of a URL masks its password as ``***``;
- drops and creates that database and runs ``alembic upgrade head`` into it, in every worker;
- resets the database before every test by ``TRUNCATE ... RESTART IDENTITY CASCADE`` of every
  table, then re-inserts the reference rows the migrations seed (read back once after the
  migration). This is the common pattern's faster variant; the older one, ``DROP SCHEMA`` and
  ``metadata.create_all``, costs about four times as much per test;
- modules marked ``shared_rows`` (their module-scoped fixtures commit a data set the module's
  tests share) are reset once, before their first test, instead of before every test: a
  per-test reset would wipe the shared rows after the first test;
- gives the app a ``NullPool`` engine, as suites do whose event loop changes between tests;
- drops the database at the end of the session.

Each test records the seconds it spent on the database (its share of the reset, and for a
worker's first test the creation and migration) as the JUnit property ``database_seconds``:
``dbfleet bench`` reads it for the per-test database cost it shows beside dbfleet's.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, make_url, pool, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

PROJECT = Path(__file__).resolve().parents[1]
ENABLE_ENV = "LEDGER_TEST_DATABASES"


def enabled() -> bool:
    return os.environ.get(ENABLE_ENV, "") == "handwritten"


def _worker_url(base: str) -> URL:
    url = make_url(base)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    if worker == "master" or not url.database:
        return url
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return url.set(database=str(path.with_name(f"{path.stem}_{worker}{path.suffix}")))
    return url.set(database=f"{url.database}_{worker}")


BASE_URL = os.environ.get("DATABASE_URL", "")
WORKER_URL = _worker_url(BASE_URL) if enabled() and BASE_URL else None
if WORKER_URL is not None:
    os.environ["DATABASE_URL"] = WORKER_URL.render_as_string(hide_password=False)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("dbfleet"):
        raise pytest.UsageError(
            f"{ENABLE_ENV}=handwritten sets up its own databases: run it with -p no:dbfleet"
        )
    if WORKER_URL is None:
        raise pytest.UsageError(f"{ENABLE_ENV}=handwritten needs DATABASE_URL")


async def _on_server(url: URL, *statements: str) -> None:
    """Run ``DROP``/``CREATE DATABASE`` statements for ``url``'s database (on SQLite: remove
    the file), connected to the server's maintenance database."""
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").unlink(missing_ok=True)
        return
    server = url.set(database="postgres" if url.get_backend_name() == "postgresql" else "")
    engine = create_async_engine(server, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    name = engine.dialect.identifier_preparer.quote(url.database or "")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement.format(name=name)))
    finally:
        await engine.dispose()


def _migrate() -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT / "migrations"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


class Seed:
    """The tables in dependency order and the rows the migrations left in them."""

    def __init__(self) -> None:
        self.metadata = MetaData()
        self.rows: dict[str, list[dict[str, Any]]] = {}

    async def read(self, conn: AsyncConnection) -> None:
        await conn.run_sync(lambda sync: self.metadata.reflect(sync))
        for table in self.metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            result = await conn.execute(table.select())
            self.rows[table.name] = [dict(row) for row in result.mappings()]

    async def reset(self, conn: AsyncConnection) -> None:
        tables = [t for t in self.metadata.sorted_tables if t.name in self.rows]
        quote = conn.dialect.identifier_preparer.quote
        backend = conn.dialect.name
        if backend == "postgresql":
            names = ", ".join(quote(t.name) for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        elif backend in ("mysql", "mariadb"):
            await conn.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
            for table in tables:
                await conn.execute(text(f"TRUNCATE TABLE {quote(table.name)}"))
            await conn.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
        else:
            for table in reversed(tables):
                await conn.execute(table.delete())
            has_sequences = await conn.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
            )
            if has_sequences:
                await conn.execute(text("DELETE FROM sqlite_sequence"))
        for table in tables:
            if self.rows[table.name]:
                await conn.execute(table.insert(), self.rows[table.name])
        if backend == "postgresql":
            await _resync_sequences(conn, tables)


async def _resync_sequences(conn: AsyncConnection, tables: list[Table]) -> None:
    """Rows re-inserted with their ids leave a serial's sequence behind them."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        if not SEED.rows[table.name]:
            continue
        for column in table.primary_key.columns:
            sequence = await conn.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            if sequence:
                top = f"SELECT max({quote(column.name)}) FROM {quote(table.name)}"
                await conn.execute(
                    text(f"SELECT setval(:s, COALESCE(({top}), 0) + 1, false)"), {"s": sequence}
                )


SEED = Seed()
#: Database seconds not yet charged to a test: the worker's creation and migration.
UNCHARGED: list[float] = []


@pytest.fixture(scope="session", autouse=True)
def _handwritten_database() -> Iterator[None]:
    """Each worker builds its own database from the migrations, and drops it at the end."""
    import asyncio

    assert WORKER_URL is not None
    started = time.perf_counter()
    asyncio.run(_on_server(WORKER_URL, "DROP DATABASE IF EXISTS {name}", "CREATE DATABASE {name}"))
    _migrate()
    UNCHARGED.append(time.perf_counter() - started)
    yield
    asyncio.run(_on_server(WORKER_URL, "DROP DATABASE IF EXISTS {name}"))


@pytest.fixture(scope="session")
async def _reset_engine(_handwritten_database: None) -> AsyncIterator[AsyncEngine]:
    from ledger import db

    assert WORKER_URL is not None
    engine = db.prepare_engine(create_async_engine(WORKER_URL, poolclass=pool.NullPool))
    # The app's own engine, replaced before its first use, as such conftests do.
    db._engine = db.prepare_engine(create_async_engine(WORKER_URL, poolclass=pool.NullPool))
    async with engine.begin() as conn:
        await SEED.read(conn)
    yield engine
    await engine.dispose()


async def _reset(engine: AsyncEngine) -> None:
    started = time.perf_counter()
    async with engine.begin() as conn:
        await SEED.reset(conn)
    UNCHARGED.append(time.perf_counter() - started)


@pytest.fixture(scope="module", autouse=True)
async def _reset_module(request: pytest.FixtureRequest, _reset_engine: AsyncEngine) -> None:
    if request.node.get_closest_marker("shared_rows") is not None:
        await _reset(_reset_engine)


@pytest.fixture(autouse=True)
async def _reset_test(
    request: pytest.FixtureRequest, _reset_engine: AsyncEngine, _reset_module: None
) -> None:
    if request.node.get_closest_marker("shared_rows") is None:
        await _reset(_reset_engine)
    request.node.user_properties.append(("database_seconds", round(sum(UNCHARGED), 6)))
    UNCHARGED.clear()
