"""Database kinds behind two small protocols; the rest of dbfleet never branches on the kind.

Each kind is one package (``postgres``, ``mysql``, ``sqlite``) holding its server operations,
its ownership sign and its restorer; this module is the one place that picks the package.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL

from dbfleet.backends.base import Backend, Changes, Dumper, Restored, Restorer
from dbfleet.errors import ConfigError
from dbfleet.urls import parse_url, redacted


def open_backend(url: URL) -> Backend:
    """The backend for ``url``'s scheme, connected to the server's maintenance database."""
    name = url.get_backend_name()
    if name == "postgresql":
        from dbfleet.backends.postgres import PostgresBackend

        return PostgresBackend(url)
    if name in ("mysql", "mariadb"):
        from dbfleet.backends.mysql import MysqlBackend

        return MysqlBackend(url)
    if name == "sqlite":
        from dbfleet.backends.sqlite import SqliteBackend

        return SqliteBackend(url)
    raise ConfigError(
        f"dbfleet: unsupported database URL scheme {url.drivername!r} in {redacted(url)}; "
        "use postgresql:// (+psycopg, +psycopg2, +asyncpg), mysql+pymysql:// (or mariadb+, "
        "+mysqldb, +aiomysql, +asyncmy) or sqlite:///file.db"
    )


def open_restorer(url: str | URL) -> Restorer:
    """The restorer for the database at ``url`` (the worker's own database)."""
    parsed = parse_url(url) if isinstance(url, str) else url
    kind = parsed.get_backend_name()
    if kind == "postgresql":
        from dbfleet.backends.postgres import PostgresRestorer

        return PostgresRestorer(parsed)
    if kind in ("mysql", "mariadb"):
        from dbfleet.backends.mysql import MysqlRestorer

        return MysqlRestorer(parsed)
    if kind == "sqlite":
        from dbfleet.backends.sqlite import SqliteRestorer

        return SqliteRestorer(parsed)
    raise ConfigError(f"dbfleet: isolation does not support {parsed.drivername!r} databases")


def open_dumper(backend: Backend) -> Dumper:
    """The dump and restore of ``backend``'s kind, on the same server with the same user."""
    url = backend.url_for(backend.base_name)
    kind = url.get_backend_name()
    if kind == "postgresql":
        from dbfleet.backends.postgres.dump import PostgresDumper

        return PostgresDumper(url, backend.server_version())
    if kind in ("mysql", "mariadb"):
        from dbfleet.backends.mysql.dump import MysqlDumper

        return MysqlDumper(url)
    from dbfleet.backends.sqlite.dump import SqliteDumper

    return SqliteDumper(lambda name: Path(str(backend.url_for(name).database)))


def pool_backend_url(url: URL, server_version: str) -> URL:
    """The URL the fresh pool provisions through; see ``postgres.crash_safe_url`` for why."""
    if url.get_backend_name() == "postgresql" and server_version.isdigit():
        from dbfleet.backends.postgres import crash_safe_url

        return crash_safe_url(url, int(server_version))
    return url


__all__ = [
    "Backend",
    "Changes",
    "Dumper",
    "Restored",
    "Restorer",
    "open_backend",
    "open_dumper",
    "open_restorer",
    "pool_backend_url",
]
