"""SQLite restorer: ``PRAGMA data_version`` says whether anyone wrote, contents say where.

``data_version`` changes on this connection whenever another connection commits, so a test that
wrote nothing costs one pragma. When it moved, each table's rows are compared with the captured
ones (SQLite test databases are small files; a full compare is a few hundred microseconds) and
the changed tables are emptied and refilled, ``sqlite_sequence`` (AUTOINCREMENT) included. The
restorer's connection keeps foreign keys off (SQLite's default), so order does not matter.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import URL

from dbfleet.backends.base import Changes, Restored
from dbfleet.errors import DbfleetError

#: How long a reset waits for another connection's write lock, in seconds.
BUSY_SECONDS = 10.0

SEQUENCE_TABLE = "sqlite_sequence"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteRestorer:
    def __init__(self, url: URL) -> None:
        self._path = url.database or ""
        try:
            self._conn = sqlite3.connect(self._path, timeout=BUSY_SECONDS, isolation_level=None)
        except sqlite3.Error as error:
            raise DbfleetError(f"dbfleet: cannot open SQLite file {self._path}: {error}") from None
        self._columns: dict[str, list[str]] = {}
        self._rows: dict[str, list[tuple[Any, ...]]] = {}
        self._sequences: dict[str, int] = {}
        self._version: int | None = None
        #: What the last look found; it stands until the next write by someone else or a reset.
        self._pending = Changes()
        self._captured = False

    def _query(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(statement, params).fetchall()
        except sqlite3.Error as error:
            raise DbfleetError(f"dbfleet: could not inspect {self._path}: {error}") from None

    def _inventory(self) -> None:
        if self._columns:
            return
        names = self._query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
        for (name,) in names:
            # table_xinfo marks generated columns hidden (2, 3); they cannot be inserted.
            columns = self._query(f"PRAGMA table_xinfo({_q(name)})")
            self._columns[str(name)] = [str(c[1]) for c in columns if c[6] == 0]

    def counts(self) -> dict[str, int]:
        self._inventory()
        return {
            name: int(self._query(f"SELECT count(*) FROM {_q(name)}")[0][0])
            for name in self._columns
        }

    def _contents(self, name: str) -> list[tuple[Any, ...]]:
        columns = ", ".join(map(_q, self._columns[name]))
        rows = self._query(f"SELECT {columns} FROM {_q(name)}")
        return sorted(rows, key=repr)

    def _sequence_values(self) -> dict[str, int]:
        exists = self._query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SEQUENCE_TABLE,)
        )
        if not exists:
            return {}
        return {
            str(name): int(seq)
            for name, seq in self._query(f"SELECT name, seq FROM {SEQUENCE_TABLE}")
        }

    def capture(self) -> None:
        self._inventory()
        self._rows = {name: self._contents(name) for name in self._columns}
        self._sequences = self._sequence_values()
        self._version = int(self._query("PRAGMA data_version")[0][0])
        self._captured = True

    def changes(self) -> Changes:
        if not self._captured:
            raise DbfleetError("dbfleet: reset asked for changes before the rows were captured")
        version = int(self._query("PRAGMA data_version")[0][0])
        if version == self._version:
            return self._pending
        self._version = version
        tables = frozenset(
            name for name in self._columns if self._contents(name) != self._rows[name]
        )
        now = self._sequence_values()
        sequences = frozenset(
            name
            for name in set(now) | set(self._sequences)
            if now.get(name) != self._sequences.get(name)
        )
        self._pending = Changes(tables, sequences)
        return self._pending

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def restore(self, changes: Changes) -> Restored:
        if not changes:
            return Restored()
        order = sorted(changes.tables)
        try:
            with self._transaction():
                for name in order:
                    self._conn.execute(f"DELETE FROM {_q(name)}")
                    columns = self._columns[name]
                    if self._rows[name]:
                        self._conn.executemany(
                            f"INSERT INTO {_q(name)} ({', '.join(map(_q, columns))}) "
                            f"VALUES ({', '.join('?' * len(columns))})",
                            self._rows[name],
                        )
                if changes.sequences:
                    names = sorted(changes.sequences)
                    self._conn.execute(
                        f"DELETE FROM {SEQUENCE_TABLE} WHERE name IN "
                        f"({', '.join('?' * len(names))})",
                        names,
                    )
                    self._conn.executemany(
                        f"INSERT INTO {SEQUENCE_TABLE} (name, seq) VALUES (?, ?)",
                        [
                            (name, self._sequences[name])
                            for name in names
                            if name in self._sequences
                        ],
                    )
        except sqlite3.Error as error:
            raise DbfleetError(f"dbfleet: could not reset {self._path}: {error}") from None
        self._pending = Changes(
            self._pending.tables - changes.tables, self._pending.sequences - changes.sequences
        )
        return Restored(tuple(order), tuple(sorted(changes.sequences)))

    def close(self) -> None:
        self._conn.close()
