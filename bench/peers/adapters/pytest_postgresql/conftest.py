"""pytest-postgresql as its README sets it up for a server already running: a ``noproc``
fixture whose ``load`` fills the template database once, and a client fixture that clones that
template for every test (and drops the clone after it); the SQLAlchemy session follows the
README's "Using SQLAlchemy" example (an engine on the client's database, ``NullPool``)."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from models import build
from pytest_postgresql import factories
from sqlalchemy import URL, create_engine
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool


def load_schema(host: str, port: int, user: str, dbname: str, password: str, **_: Any) -> None:
    build(_url("postgresql+psycopg", host, port, user, dbname, password))


def _url(driver: str, host: str, port: int, user: str, dbname: str, password: str | None) -> URL:
    return URL.create(driver, user, password or None, host, port, dbname)


peers_noproc = factories.postgresql_noproc(dbname="peers_pgpg", load=[load_schema])
peers_pg = factories.postgresql("peers_noproc")


def _client_url(conn: Any, driver: str) -> URL:
    info = conn.info
    return _url(driver, info.host, info.port, info.user, info.dbname, info.password)


@pytest.fixture
def session(peers_pg):
    engine = create_engine(_client_url(peers_pg, "postgresql+psycopg"), poolclass=NullPool)
    with Session(engine) as db:
        yield db
    engine.dispose()


@pytest_asyncio.fixture
async def async_session(peers_pg):
    engine = create_async_engine(_client_url(peers_pg, "postgresql+psycopg"), poolclass=NullPool)
    async with AsyncSession(engine) as db:
        yield db
    await engine.dispose()
