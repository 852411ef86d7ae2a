"""PostgreSQL: ``CREATE DATABASE … TEMPLATE`` clones, comments as signs, advisory locks, and a
restorer that finds changed tables through the statistics views."""

from __future__ import annotations

from dbfleet.backends.postgres.restore import PostgresRestorer, crash_safe_url
from dbfleet.backends.postgres.server import PostgresBackend, connect_kwargs

__all__ = ["PostgresBackend", "PostgresRestorer", "connect_kwargs", "crash_safe_url"]
