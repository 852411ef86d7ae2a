"""The ``Restorer`` protocol: what ``reset`` and the leak detector ask of a worker database.

A restorer captures the database's rows once, at the start of the session, while it is still an
untouched clone of the template; after a test it finds the tables whose rows changed, however and
by whom they were written, and puts back exactly those (plus what references them). One module per
database kind implements it; nothing else branches on the kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import URL

from dbfleet.errors import ConfigError
from dbfleet.urls import parse_url


@dataclass(frozen=True)
class Changes:
    """What differs from the captured template state."""

    tables: frozenset[str] = frozenset()
    sequences: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.tables or self.sequences)


@dataclass(frozen=True)
class Restored:
    """What a reset put back: the tables emptied and refilled, the counters set back."""

    tables: tuple[str, ...] = ()
    sequences: tuple[str, ...] = ()


class Restorer(Protocol):
    def counts(self) -> dict[str, int]:
        """Rows per table right now, committed rows only; for the leak detector."""
        ...

    def capture(self) -> None:
        """Remember every table's rows and every counter's position as the template state."""
        ...

    def changes(self) -> Changes:
        """Tables and counters that differ from the captured state (committed changes)."""
        ...

    def restore(self, changes: Changes) -> Restored:
        """Bring what changed back to the captured state, in one transaction where possible."""
        ...

    def close(self) -> None: ...


def open_restorer(url: str | URL) -> Restorer:
    """The restorer for the database at ``url`` (the worker's own database)."""
    parsed = parse_url(url) if isinstance(url, str) else url
    kind = parsed.get_backend_name()
    if kind == "postgresql":
        from dbfleet.isolation.postgres import PostgresRestorer

        return PostgresRestorer(parsed)
    if kind in ("mysql", "mariadb"):
        from dbfleet.isolation.mysql import MysqlRestorer

        return MysqlRestorer(parsed)
    if kind == "sqlite":
        from dbfleet.isolation.sqlite import SqliteRestorer

        return SqliteRestorer(parsed)
    raise ConfigError(f"dbfleet: isolation does not support {parsed.drivername!r} databases")


def pool_backend_url(url: URL, server_version: str) -> URL:
    """The URL the fresh pool provisions through; see ``postgres.crash_safe_url`` for why."""
    if url.get_backend_name() == "postgresql" and server_version.isdigit():
        from dbfleet.isolation.postgres import crash_safe_url

        return crash_safe_url(url, int(server_version))
    return url
