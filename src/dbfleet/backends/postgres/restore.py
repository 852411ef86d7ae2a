"""PostgreSQL restorer: change detection by row versions, restore by DELETE and binary COPY.

Finding what changed. The obvious source, the counters of ``pg_stat_user_tables``, lags: a backend
publishes its counters at most once a second, so a commit by the application's own pool is often
invisible right after the test (measured: up to seconds). Row versions do not lag: every row a
transaction writes carries that transaction's id in ``xmin``. After capture (and after each
restore) the restorer knows the ``xmin`` values a table's rows carry; a table has changed when its
row count differs or a row carries another ``xmin``. That is one small query over all tables per
test, it sees commits from any connection, thread or process, and needs nothing installed in the
database (no triggers, no side tables the application would see).

Restoring. The template admits no connections, so the seed rows are captured from the worker's
database at session start, before any test, as ``COPY … (FORMAT binary)`` bytes kept in memory.
A reset then runs one transaction: empty the changed tables and everything referencing them,
COPY their rows back, ``setval`` the counters that moved. Emptying is a DELETE while the tables
are small: TRUNCATE makes new files for every table and index; emptying and refilling two small
tables cost 20-35 ms with it against about 2 ms with DELETE, measured while writing this (and
bench/isolation.py's TRUNCATE-all-tables baseline costs 55-155 ms a test). Past
``TRUNCATE_ABOVE`` rows TRUNCATE wins. With ``session_replication_role = replica`` (superusers
only) the application's triggers and foreign-key checks stay quiet while rows go back; without
it, rows are deleted children first and go back parents first.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import URL

from dbfleet.backends.base import Changes, Restored
from dbfleet.backends.postgres.driver import (
    INSUFFICIENT_PRIVILEGE,
    LOCK_NOT_AVAILABLE,
    postgres_driver,
)
from dbfleet.backends.postgres.server import connect_kwargs
from dbfleet.backends.tables import parents_first, referencing_closure
from dbfleet.errors import DbfleetError
from dbfleet.urls import scrub

#: First wait for the locks TRUNCATE needs; on a timeout, garbage is collected (a dropped but
#: unclosed Session still holds its connection and locks until then) and the wait is longer.
FIRST_LOCK_WAIT = "100ms"
LAST_LOCK_WAIT = "10s"

#: Above this many rows in a table to empty, TRUNCATE is cheaper than DELETE.
TRUNCATE_ABOVE = 5000

#: How often the server checks, during a statement, whether the client is still there.
CONNECTION_CHECK_MS = 50

_TABLES = """
SELECT c.oid, n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""

_REFERENCES = "SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f'"

_SEQUENCES = """
SELECT c.oid, n.nspname, c.relname, s.seqstart, pg_sequence_last_value(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_sequence s ON s.seqrelid = c.oid
WHERE c.relkind = 'S' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""

_BLOCKERS = """
SELECT pid, coalesce(application_name, ''), state, left(query, 60)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND state LIKE 'idle in transaction%%'
ORDER BY pid
"""


def crash_safe_url(url: URL, major_version: int) -> URL:
    """The URL with ``client_connection_check_interval`` set (PostgreSQL 14+, older servers
    refuse the setting, so they get the URL unchanged).

    A clone runs in a background thread; when the worker process dies mid-``CREATE DATABASE`` the
    server would otherwise finish the statement and leave a database without its marker (the
    marker is written by the next statement), which ``dbfleet gc`` must never drop. With the check
    the server notices the lost client and rolls the clone back.
    """
    if major_version < 14:
        return url
    option = f"-c client_connection_check_interval={CONNECTION_CHECK_MS}"
    existing = url.query.get("options")
    if isinstance(existing, tuple):
        existing = " ".join(existing)
    return url.update_query_dict({"options": f"{existing} {option}" if existing else option})


def display_name(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


@dataclass
class _Table:
    oid: int
    name: str
    #: The table's ``sql.Identifier`` in the driver's composition.
    identifier: Any
    rows: int = 0
    xmins: tuple[str, ...] = ()
    seed: bytes = b""


@dataclass(frozen=True)
class _Sequence:
    oid: int
    name: str
    start: int
    last: int | None


class PostgresRestorer:
    """Capture and restore on one worker database, through one autocommit connection."""

    def __init__(self, url: URL) -> None:
        self._url = url
        self._driver = postgres_driver(url.drivername)
        self._sql = self._driver.sql
        try:
            self._conn = self._driver.connect(
                {
                    **connect_kwargs(url, url.database or ""),
                    "application_name": "dbfleet-isolation",
                }
            )
        except self._driver.operational_error as error:
            raise self._error("connect", error) from None
        self._tables: dict[str, _Table] = {}
        self._references: dict[str, set[str]] = {}
        self._sequences: dict[str, _Sequence] = {}
        self._changes_query: Any = None
        self._seen: dict[str, int] = {}
        self._captured = False
        self._quiet_restore = self._can_silence_triggers()

    def _error(self, doing: str, error: Exception) -> DbfleetError:
        text = scrub(str(error), self._url).strip()
        first = text.splitlines()[0] if text else type(error).__name__
        return DbfleetError(f"dbfleet: could not {doing} database {self._url.database}: {first}")

    def _rows(self, statement: Any, params: Any = None) -> list[tuple[Any, ...]]:
        try:
            return self._driver.rows(self._conn, statement, params)
        except self._driver.error as error:
            raise self._error("inspect", error) from None

    def _can_silence_triggers(self) -> bool:
        try:
            self._driver.rows(self._conn, "SET session_replication_role = replica")
            self._driver.rows(self._conn, "RESET session_replication_role")
        except self._driver.error as error:
            if self._driver.sqlstate(error) == INSUFFICIENT_PRIVILEGE:
                return False
            raise self._error("inspect", error) from None
        return True

    def _inventory(self) -> None:
        if self._tables:
            return
        names: dict[int, str] = {}
        for oid, schema, table in self._rows(_TABLES):
            name = display_name(schema, table)
            names[oid] = name
            self._tables[name] = _Table(oid, name, self._sql.Identifier(schema, table))
        for child, parent in self._rows(_REFERENCES):
            if child in names and parent in names:
                self._references.setdefault(names[child], set()).add(names[parent])

    def _count_query(self) -> Any:
        sql = self._sql
        parts = [
            sql.SQL("SELECT {}::int, count(*) FROM {}").format(sql.Literal(i), table.identifier)
            for i, table in enumerate(self._tables.values())
        ]
        return sql.SQL(" UNION ALL ").join(parts)

    def counts(self) -> dict[str, int]:
        self._inventory()
        if not self._tables:
            return {}
        tables = list(self._tables)
        return {tables[i]: count for i, count in self._rows(self._count_query())}

    def capture(self) -> None:
        self._inventory()
        driver = self._driver
        try:
            with driver.transaction(self._conn):
                driver.rows(self._conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                for name, count in self.counts().items():
                    self._capture_table(self._tables[name], count)
                self._sequences = {
                    display_name(schema, name): _Sequence(
                        oid, display_name(schema, name), start, last
                    )
                    for oid, schema, name, start, last in driver.rows(self._conn, _SEQUENCES)
                }
        except driver.error as error:
            raise self._error("capture the rows of", error) from None
        self._changes_query = None
        self._captured = True

    def _capture_table(self, table: _Table, count: int) -> None:
        table.rows = count
        if not count:
            table.seed, table.xmins = b"", ()
            return
        sql, driver = self._sql, self._driver
        xmins = driver.rows(
            self._conn, sql.SQL("SELECT DISTINCT xmin::text FROM {}").format(table.identifier)
        )
        table.xmins = tuple(sorted(str(row[0]) for row in xmins))
        table.seed = driver.copy_out(
            self._conn, sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(table.identifier)
        )

    def _build_changes_query(self) -> Any:
        """Per table: rows now, and rows still carrying a captured ``xmin``; then counters."""
        sql = self._sql
        parts = []
        for i, table in enumerate(self._tables.values()):
            known = (
                sql.SQL("count(*) FILTER (WHERE xmin = ANY({}::xid[]))").format(
                    sql.Literal(list(table.xmins))
                )
                if table.xmins
                else sql.SQL("0::bigint")
            )
            parts.append(
                sql.SQL("SELECT {}::int, count(*), {} FROM {}").format(
                    sql.Literal(i), known, table.identifier
                )
            )
        for i, sequence in enumerate(self._sequences.values()):
            parts.append(
                sql.SQL("SELECT {}::int, pg_sequence_last_value({}::oid), NULL::bigint").format(
                    sql.Literal(-1 - i), sql.Literal(sequence.oid)
                )
            )
        return sql.SQL(" UNION ALL ").join(parts)

    def changes(self) -> Changes:
        if not self._captured:
            raise DbfleetError("dbfleet: reset asked for changes before the rows were captured")
        if not self._tables and not self._sequences:
            return Changes()
        if self._changes_query is None:
            self._changes_query = self._build_changes_query()
        tables = list(self._tables.values())
        sequences = list(self._sequences.values())
        changed_tables, changed_sequences = set(), set()
        for i, now, kept in self._rows(self._changes_query):
            if i >= 0:
                table = tables[i]
                self._seen[table.name] = now
                if now != table.rows or kept != table.rows:
                    changed_tables.add(table.name)
            elif now != sequences[-1 - i].last:
                changed_sequences.add(sequences[-1 - i].name)
        return Changes(frozenset(changed_tables), frozenset(changed_sequences))

    def restore(self, changes: Changes) -> Restored:
        if not changes:
            return Restored()
        targets = referencing_closure(changes.tables, self._references)
        order = parents_first(targets, self._references)
        xid = self._restore_waiting(order, changes.sequences)
        for name in order:
            table = self._tables[name]
            table.xmins = (xid,) if table.rows else ()
        self._changes_query = None
        return Restored(tuple(order), tuple(sorted(changes.sequences)))

    def _restore_waiting(self, order: list[str], sequences: frozenset[str]) -> str:
        """Restore, waiting briefly for locks, then once more after a garbage collection."""
        driver = self._driver
        try:
            for wait in (FIRST_LOCK_WAIT, LAST_LOCK_WAIT):
                try:
                    return self._restore_once(order, sequences, wait)
                except driver.error as error:
                    if driver.sqlstate(error) != LOCK_NOT_AVAILABLE:
                        raise
                # A Session dropped without close() holds its locks until collected.
                gc.collect()
        except driver.error as error:
            raise self._error("reset", error) from None
        raise self._blocked()

    def _restore_once(self, order: list[str], sequences: frozenset[str], wait: str) -> str:
        conn, sql, driver = self._conn, self._sql, self._driver
        with driver.transaction(conn):
            driver.rows(conn, sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(wait)))
            if self._quiet_restore:
                driver.rows(conn, "SET LOCAL session_replication_role = replica")
            else:
                driver.rows(conn, "SET CONSTRAINTS ALL DEFERRED")
            seen = (self._seen.get(name, self._tables[name].rows) for name in order)
            largest = max(seen, default=0)
            if largest > TRUNCATE_ABOVE:
                driver.rows(
                    conn,
                    sql.SQL("TRUNCATE ONLY {}").format(
                        sql.SQL(", ").join(self._tables[name].identifier for name in order)
                    ),
                )
            else:
                for name in reversed(order):
                    driver.rows(
                        conn, sql.SQL("DELETE FROM ONLY {}").format(self._tables[name].identifier)
                    )
            for name in order:
                table = self._tables[name]
                if table.seed:
                    driver.copy_in(
                        conn,
                        sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(table.identifier),
                        table.seed,
                    )
            for name in sorted(sequences):
                sequence = self._sequences[name]
                if sequence.last is None:
                    driver.rows(
                        conn, "SELECT setval(%s::oid, %s, false)", (sequence.oid, sequence.start)
                    )
                else:
                    driver.rows(
                        conn, "SELECT setval(%s::oid, %s, true)", (sequence.oid, sequence.last)
                    )
            (row,) = driver.rows(conn, "SELECT pg_current_xact_id()::text")
        # xmin is the 32-bit form of the 64-bit transaction id.
        return str(int(row[0]) % 2**32)

    def _blocked(self) -> DbfleetError:
        holders = self._rows(_BLOCKERS)
        who = "; ".join(
            f"pid {pid} {app or 'unnamed'} ({state}: {query.strip()})"
            for pid, app, state, query in holders
        )
        return DbfleetError(
            f"dbfleet: reset of {self._url.database} waited {LAST_LOCK_WAIT} for connections "
            f"still inside a transaction ({who or 'none found'}); close sessions and connections "
            "before the test ends, or use isolation rollback for them"
        )

    def close(self) -> None:
        self._conn.close()
