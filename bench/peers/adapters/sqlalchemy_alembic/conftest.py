"""pytest-sqlalchemy-alembic as its README sets it up: the ini names the sessionmaker and the
metadata (``--nomigrations``: ``create_all`` instead of Alembic, as the suite has no
migrations); it gives each worker a database and rebinds the sessionmaker, and has no per-test
isolation of its own, so the session joins a rolled-back transaction as in the hand-written
set-up."""

from __future__ import annotations

import pytest
from app_db import SessionLocal


@pytest.fixture
def session(sqlalchemy_alembic_setup_session):
    (engine,) = sqlalchemy_alembic_setup_session
    with engine.connect() as connection:
        transaction = connection.begin()
        db = SessionLocal(bind=connection, join_transaction_mode="create_savepoint")
        yield db
        db.close()
        transaction.rollback()
