"""What a SQLAlchemy engine on SQLite needs before a test's transaction can be rolled back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def transactional(engine: Engine) -> None:
    """Let SQLAlchemy emit BEGIN itself: Python's sqlite3 before 3.12 does not, so a SAVEPOINT
    would escape the test's outer transaction (SQLAlchemy's documented recipe)."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
