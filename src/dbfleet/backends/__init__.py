"""Database servers behind one small protocol; the rest of dbfleet never branches on the kind."""

from __future__ import annotations

from sqlalchemy.engine import URL

from dbfleet.backends.base import Backend
from dbfleet.errors import ConfigError
from dbfleet.urls import redacted


def open_backend(url: URL) -> Backend:
    """The backend for ``url``'s scheme, connected to the server's maintenance database."""
    name = url.get_backend_name()
    if name == "postgresql":
        from dbfleet.backends.postgres import PostgresBackend

        return PostgresBackend(url)
    if name in ("mysql", "mariadb"):
        try:
            from dbfleet.backends.mysql import MysqlBackend
        except ImportError:
            raise ConfigError(
                "dbfleet: MySQL/MariaDB needs PyMySQL; pip install 'pytest-dbfleet[mysql]'"
            ) from None
        return MysqlBackend(url)
    if name == "sqlite":
        from dbfleet.backends.sqlite import SqliteBackend

        return SqliteBackend(url)
    raise ConfigError(
        f"dbfleet: unsupported database URL scheme {url.drivername!r} in {redacted(url)}; "
        "use postgresql:// (+psycopg, +asyncpg, +psycopg2), mysql+pymysql:// (or mariadb+, "
        "+mysqldb, +aiomysql, +asyncmy) or sqlite:///file.db"
    )


__all__ = ["Backend", "open_backend"]
