"""psycopg 3 or psycopg2 behind one small surface, for dbfleet's own PostgreSQL connections.

Both drivers speak libpq's keywords, compose SQL the same way (``sql.Identifier``…) and carry the
server's SQLSTATE on their errors; they differ in how autocommit is set, in ``execute`` on the
connection (psycopg 3 only), in COPY and in where the SQLSTATE is kept. Those differences live
here; the server and restorer code reacts to SQLSTATE codes, never to a driver's classes.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from dbfleet.backends.dbapi import Driver, import_driver
from dbfleet.backends.postgres import KIND

#: SQLSTATE codes the server code reacts to.
INSUFFICIENT_PRIVILEGE = "42501"
QUERY_CANCELED = "57014"
OBJECT_IN_USE = "55006"
INVALID_CATALOG_NAME = "3D000"
LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class PostgresDriver(Driver):
    """One imported driver module: connections, statements, COPY and errors through it."""

    #: The driver's ``sql`` module: ``SQL``, ``Identifier``, ``Literal`` (same API in both).
    sql: ModuleType

    @staticmethod
    def sqlstate(error: BaseException) -> str | None:
        """The server's SQLSTATE: ``sqlstate`` on psycopg 3, ``pgcode`` on psycopg2."""
        code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        return str(code) if code else None

    def connect(self, kwargs: dict[str, Any], *, autocommit: bool = True) -> Any:
        if self.name == "psycopg":
            return self.module.connect(**kwargs, autocommit=autocommit)
        conn = self.module.connect(**kwargs)
        conn.autocommit = autocommit
        return conn

    @staticmethod
    def rows(conn: Any, statement: Any, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement; its rows, or none for a statement that returns no rows."""
        with conn.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []

    @staticmethod
    def server_version(conn: Any) -> int:
        return int(conn.info.server_version)

    @contextmanager
    def transaction(self, conn: Any) -> Iterator[None]:
        """One transaction on an autocommit connection (psycopg2 has no ``transaction()``)."""
        self.rows(conn, "BEGIN")
        try:
            yield
        except BaseException:
            with suppress(self.error):
                self.rows(conn, "ROLLBACK")
            raise
        self.rows(conn, "COMMIT")

    def copy_out(self, conn: Any, statement: Any) -> bytes:
        """The bytes of ``COPY … TO STDOUT``."""
        with conn.cursor() as cursor:
            if self.name == "psycopg":
                data = bytearray()
                with cursor.copy(statement) as copy:
                    for chunk in copy:
                        data += chunk
                return bytes(data)
            buffer = io.BytesIO()
            cursor.copy_expert(statement, buffer)
            return buffer.getvalue()

    def copy_in(self, conn: Any, statement: Any, data: bytes) -> None:
        """Feed ``data`` to ``COPY … FROM STDIN``."""
        with conn.cursor() as cursor:
            if self.name == "psycopg":
                with cursor.copy(statement) as copy:
                    copy.write(data)
            else:
                cursor.copy_expert(statement, io.BytesIO(data))


def postgres_driver(drivername: str) -> PostgresDriver:
    """The driver for a URL's ``drivername``: the one it names, else psycopg 3, else psycopg2."""
    module = import_driver(KIND, drivername)
    return PostgresDriver(module, importlib.import_module(f"{module.__name__}.sql"))
