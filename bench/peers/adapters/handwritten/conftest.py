"""The common hand-written set-up: each worker creates its own database and runs
``create_all`` once; every test runs in a transaction that is rolled back (SQLAlchemy's
"joining a Session into an external transaction" recipe, ``create_savepoint``, so the tests'
own commits and rollbacks stay inside it)."""

from __future__ import annotations

import os

import pytest
import pytest_asyncio
from models import Base
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
NAME = f"peers_hand_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="session")
def engine():
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    engine = create_engine(f"{SERVER}/{NAME}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def session(engine):
    with engine.connect() as connection:
        transaction = connection.begin()
        db = Session(bind=connection, join_transaction_mode="create_savepoint")
        yield db
        db.close()
        transaction.rollback()


@pytest_asyncio.fixture
async def async_session(engine):
    # An async engine per test: pytest-asyncio gives each test its own event loop.
    async_engine = create_async_engine(f"{SERVER}/{NAME}", poolclass=NullPool)
    async with async_engine.connect() as connection:
        transaction = await connection.begin()
        db = AsyncSession(bind=connection, join_transaction_mode="create_savepoint")
        yield db
        await db.close()
        await transaction.rollback()
    await async_engine.dispose()
