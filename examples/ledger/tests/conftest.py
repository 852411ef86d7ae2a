"""Fixtures for the ledger test suite.

The database comes from ``DATABASE_URL``.  Under pytest-dbfleet every xdist
worker gets its own migrated clone and dbfleet exports its URL *before* this
file is imported -- which matters, because importing ``ledger.main`` below
imports ``ledger.settings``, which reads ``DATABASE_URL`` once, at import time.

Without dbfleet: create a database, run ``alembic upgrade head`` against it
and run ``DATABASE_URL=... pytest -p no:dbfleet``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

# LEDGER_TEST_DATABASES=handwritten (with -p no:dbfleet): the suite's hand-written database setup,
# which exports this worker's DATABASE_URL here, before the app is imported.
pytest.register_assert_rewrite("tests.handwritten")
from tests import handwritten  # noqa: E402

# isort: split
from ledger import db  # noqa: E402
from ledger.main import app  # noqa: E402
from ledger.models import Account  # noqa: E402
from ledger.services import accounts, books  # noqa: E402
from ledger.settings import settings  # noqa: E402
from tests.helpers import Chart, LedgerApi, MiniBook, build_chart, uid  # noqa: E402

pytest_plugins = ["tests.handwritten"] if handwritten.enabled() else []


def pytest_report_header(config: pytest.Config) -> str:
    return f"ledger database: {settings.database_url}"


@pytest.fixture(scope="session")
def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    # Guard against ledger.settings having been imported (and frozen) before
    # the per-worker DATABASE_URL was exported.
    assert settings.database_url == url, (
        f"ledger.settings saw DATABASE_URL={settings.database_url!r} but the environment "
        f"now says {url!r}: something imported the app before the URL was set"
    )
    return url


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return settings.backend


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = db.get_engine()
    yield engine
    await db.dispose_engine()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return db.get_sessionmaker()


@pytest.fixture
def dbfleet_async_engine(dbfleet_async_engine: AsyncEngine) -> AsyncEngine:
    """dbfleet's engine for the test's connection, with the app's connect-time setup, so code
    under test behaves as on the app's own engine (on SQLite: foreign keys enforced)."""
    return db.prepare_engine(dbfleet_async_engine)


@pytest.fixture(autouse=True)
def _app_sessions_on_test_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every session the app opens during a test works on the test's database, as dbfleet's
    isolation level for the test wants it.

    Under ``rollback`` (the suite's level, pyproject.toml) the app's sessions share the test's
    connection, which sits inside a transaction dbfleet rolls back after the test;
    ``join_transaction_mode="create_savepoint"`` turns the app's own ``commit()`` and
    ``rollback()`` into SAVEPOINT operations, so the code under test runs unchanged and the next
    test starts from the template's rows. Under ``none``, ``reset`` and ``fresh`` they get their
    own connections from dbfleet's engine and commit for real (under ``fresh``, into the test's
    own clone, which the app's engine, built at import time, does not know).

    Module-scoped fixtures are set up before this one, so the rows they build are committed
    through the app's own engine and shared by the module's tests (see tests/reports).
    Without dbfleet (``-p no:dbfleet``) the app keeps its own engine.
    """
    plugins = request.config.pluginmanager
    if not plugins.has_plugin("dbfleet"):  # isolation is part of it: -p no:dbfleet removes both
        yield
        return
    if request.getfixturevalue("dbfleet_isolation_level") == "rollback":
        bind = request.getfixturevalue("dbfleet_async_connection")
        mode = "create_savepoint"
    else:
        bind = request.getfixturevalue("dbfleet_async_engine")
        mode = "conditional_savepoint"
    maker = db.get_sessionmaker()
    saved = {key: maker.kw[key] for key in ("bind", "join_transaction_mode") if key in maker.kw}
    maker.configure(bind=bind, join_transaction_mode=mode)
    yield
    maker.configure(**{"join_transaction_mode": "conditional_savepoint", **saved})


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for service-level tests; tests commit what they want to keep."""
    async with sessionmaker() as session:
        yield session
        await session.rollback()


@pytest.fixture(scope="session")
async def client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ledger.test") as client:
        yield client


@pytest.fixture(scope="session")
def api(client: httpx.AsyncClient) -> LedgerApi:
    return LedgerApi(client)


@pytest.fixture
async def book(api: LedgerApi) -> dict[str, object]:
    return await api.create_book()


@pytest.fixture
async def chart(api: LedgerApi) -> Chart:
    return await build_chart(api)


@pytest.fixture
async def scratch_currency(api: LedgerApi) -> AsyncIterator[str]:
    """A fresh 2-decimal currency, deleted afterwards if nothing references it."""
    currency = await api.create_currency()
    yield currency["code"]
    await api.client.delete(f"/currencies/{currency['code']}")


@pytest.fixture
async def mini(session: AsyncSession) -> MiniBook:
    """A small committed book built through the services (for service-level tests)."""
    book = await books.create_book(session, name=f"svc {uid()}", base_currency="USD")

    async def make(code: str, type_: str) -> Account:
        return await accounts.create_account(
            session, book_id=book.id, code=code, name=f"{type_} {code}", type=type_
        )

    mini = MiniBook(
        book=book,
        cash=await make("1000", "asset"),
        bank=await make("1010", "asset"),
        loan=await make("2000", "liability"),
        equity=await make("3000", "equity"),
        sales=await make("4000", "income"),
        costs=await make("5000", "expense"),
    )
    await session.commit()
    return mini
