"""SQLite: files copied with the backup API, the sign in the file header, file locks, and a
restorer that compares table contents."""

from __future__ import annotations

from dbfleet.backends.sqlite.restore import SqliteRestorer
from dbfleet.backends.sqlite.server import SqliteBackend

__all__ = ["SqliteBackend", "SqliteRestorer"]
