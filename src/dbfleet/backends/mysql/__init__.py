"""MySQL and MariaDB: schemas copied in one connection, a registry plus a sign inside each
schema, ``GET_LOCK`` locks, and a restorer that compares checksums."""

from __future__ import annotations

from dbfleet.backends.mysql.restore import MysqlRestorer
from dbfleet.backends.mysql.server import MysqlBackend, connect_kwargs, quote

__all__ = ["MysqlBackend", "MysqlRestorer", "connect_kwargs", "quote"]
