"""Per-test isolation on top of the worker's database: none, rollback, reset or fresh.

Choose with ``dbfleet_isolation`` (ini), ``--dbfleet-isolation`` or ``DBFLEET_ISOLATION``, and
per test, class or module with ``@pytest.mark.dbfleet(isolation="fresh")``:

``none`` (default)
    Tests share the worker's database as they leave it. ``--dbfleet-check-leaks`` reports the
    tests that leave rows behind (``=fail`` makes that an error).
``rollback``
    ``dbfleet_connection`` / ``dbfleet_session`` (and the async twins) run inside a transaction
    rolled back after the test. Code under test may ``commit()`` and ``rollback()``: the session
    joins with ``join_transaction_mode="create_savepoint"``, so those act on a SAVEPOINT.
    Only what goes through the test's connection is undone.
``reset``
    After the test, the tables whose rows changed (by any connection, thread or process) get the
    template's rows back, counters included; the rest are not touched.
``fresh``
    The test gets a database of its own, cloned from the template ahead of time by a per-worker
    pool; ``DATABASE_URL`` (every ``dbfleet_export`` variable) names it during the test.

Handing the test's session to the application, under rollback:

FastAPI dependency override (sync or async)::

    @pytest.fixture
    def client(dbfleet_session):
        app.dependency_overrides[get_session] = lambda: dbfleet_session
        yield TestClient(app)
        app.dependency_overrides.clear()

    @pytest.fixture
    async def client(dbfleet_async_session):
        async def session_override():
            yield dbfleet_async_session

        app.dependency_overrides[get_session] = session_override
        ...

A sessionmaker the application builds itself: bind it to the test's connection, with the same
join mode, for the test's duration::

    @pytest.fixture(autouse=True)
    def _bind_app_sessions(dbfleet_connection):
        app_db.SessionLocal.configure(
            bind=dbfleet_connection, join_transaction_mode="create_savepoint"
        )
        yield
        app_db.SessionLocal.configure(bind=app_db.engine)

(async: ``async_sessionmaker.configure(bind=dbfleet_async_connection, join_transaction_mode=
"create_savepoint")``). Every session the application opens then works inside the test's
transaction; its ``commit()`` releases a savepoint and the test still sees the rows.

dbfleet's engines do not run the application engine's ``connect`` events (SQLite's
``PRAGMA foreign_keys=ON``, a MySQL ``sql_mode``): override the engine fixture to add them, e.g.
``def dbfleet_async_engine(dbfleet_async_engine): return app_db.prepare(dbfleet_async_engine)``.
examples/ledger does both.
"""

from __future__ import annotations

from dbfleet.levels import LeakMode, Level

__all__ = ["LeakMode", "Level"]
