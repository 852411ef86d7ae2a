"""Engine and session factory, created lazily from :data:`ledger.settings.settings`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from ledger.settings import settings

_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def prepare_engine(engine: AsyncEngine) -> AsyncEngine:
    """Apply the app's connect-time setup to an engine (SQLite enforces foreign keys only
    when asked, per connection). Tests call it on engines the app did not build."""
    target = engine.sync_engine
    if target.dialect.name == "sqlite" and not event.contains(
        target, "connect", _enable_sqlite_foreign_keys
    ):
        event.listen(target, "connect", _enable_sqlite_foreign_keys)
    return engine


def get_engine() -> AsyncEngine:
    """Return the process-wide engine, creating it on first use."""
    global _engine
    if _engine is None:
        kwargs: dict[str, Any] = {"echo": settings.echo_sql, "pool_pre_ping": True}
        if settings.backend != "sqlite":
            kwargs["pool_size"] = settings.pool_size
        _engine = prepare_engine(create_async_engine(settings.database_url, **kwargs))
    return _engine


def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    global _sessionmaker
    if _sessionmaker is None:
        _sessionmaker = async_sessionmaker(get_engine(), expire_on_commit=False)
    return _sessionmaker


async def dispose_engine() -> None:
    """Close all pooled connections and forget the engine (used at shutdown)."""
    global _engine, _sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine = None
    _sessionmaker = None


async def get_session() -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: one session per request, rolled back if not committed."""
    async with get_sessionmaker()() as session:
        yield session
