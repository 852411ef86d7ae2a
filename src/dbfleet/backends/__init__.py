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
    raise ConfigError(
        f"dbfleet: unsupported database URL scheme {url.drivername!r} in {redacted(url)}; "
        "use postgresql:// (or postgresql+psycopg://, +asyncpg, +psycopg2)"
    )


__all__ = ["Backend", "open_backend"]
