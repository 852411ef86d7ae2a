"""MySQL / MariaDB restorer: ``CHECKSUM TABLE`` finds changes, the rows come back from memory.

There is no row version to read, so change detection is ``CHECKSUM TABLE`` over every table in one
statement (a live scan; test tables are small) plus each table's AUTO_INCREMENT counter, read with
``information_schema_stats_expiry = 0`` where MySQL 8 would otherwise serve a cached value. The
seed rows are kept in memory from the session's start and inserted back with
``FOREIGN_KEY_CHECKS = 0``, so order and references do not matter; the counter is set back with
``ALTER TABLE … AUTO_INCREMENT`` (InnoDB never goes below the largest key + 1, which is right).
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy.engine import URL

from dbfleet.backends.base import Changes, Restored
from dbfleet.backends.mysql.driver import mysql_driver
from dbfleet.backends.mysql.server import connect_kwargs, quote
from dbfleet.errors import DbfleetError
from dbfleet.urls import scrub


class MysqlRestorer:
    def __init__(self, url: URL) -> None:
        self._url = url
        self._schema = url.database or ""
        self._driver = mysql_driver(url.drivername)
        try:
            self._conn = self._driver.connect({**connect_kwargs(url), "database": self._schema})
        except self._driver.error as error:
            raise self._error("connect to", error) from None
        # MariaDB and MySQL 5.7 have no statistics cache to bypass.
        with contextlib.suppress(DbfleetError):
            self._execute("SET SESSION information_schema_stats_expiry = 0")
        self._columns: dict[str, list[str]] = {}
        self._rows: dict[str, list[tuple[Any, ...]]] = {}
        self._checksums: dict[str, object] = {}
        self._counters: dict[str, object] = {}
        self._captured = False

    def _error(self, doing: str, error: Exception) -> DbfleetError:
        text = scrub(str(error), self._url)
        return DbfleetError(f"dbfleet: could not {doing} database {self._schema}: {text}")

    def _execute(self, statement: str, params: Any = None) -> list[tuple[Any, ...]]:
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(statement, params)
                return list(cursor.fetchall())
        except self._driver.error as error:
            raise self._error("inspect", error) from None

    def _inventory(self) -> None:
        if self._columns:
            return
        rows = self._execute(
            "SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c "
            "JOIN information_schema.TABLES t "
            "ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME "
            "WHERE c.TABLE_SCHEMA = %s AND t.TABLE_TYPE = 'BASE TABLE' "
            "AND c.EXTRA NOT LIKE '%%GENERATED%%' "
            "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
            (self._schema,),
        )
        for table, column in rows:
            self._columns.setdefault(str(table), []).append(str(column))

    def counts(self) -> dict[str, int]:
        self._inventory()
        if not self._columns:
            return {}
        names = list(self._columns)
        query = " UNION ALL ".join(
            f"SELECT {i}, COUNT(*) FROM {quote(name)}" for i, name in enumerate(names)
        )
        return {names[int(i)]: int(count) for i, count in self._execute(query)}

    def _checksums_now(self) -> dict[str, object]:
        if not self._columns:
            return {}
        statement = "CHECKSUM TABLE " + ", ".join(quote(name) for name in self._columns)
        # Rows come back as "schema.table", checksum.
        return {str(name).split(".", 1)[1]: value for name, value in self._execute(statement)}

    def _counters_now(self) -> dict[str, object]:
        rows = self._execute(
            "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'",
            (self._schema,),
        )
        return {str(name): value for name, value in rows if str(name) in self._columns}

    def capture(self) -> None:
        self._inventory()
        self._rows = {
            name: self._execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(name)}")
            for name, columns in self._columns.items()
        }
        self._checksums = self._checksums_now()
        self._counters = self._counters_now()
        self._captured = True

    def changes(self) -> Changes:
        if not self._captured:
            raise DbfleetError("dbfleet: reset asked for changes before the rows were captured")
        checksums = self._checksums_now()
        counters = self._counters_now()
        tables = {name for name, value in checksums.items() if value != self._checksums[name]}
        moved = {name for name, value in counters.items() if value != self._counters.get(name)}
        return Changes(frozenset(tables | moved), frozenset(moved))

    def restore(self, changes: Changes) -> Restored:
        if not changes:
            return Restored()
        order = sorted(changes.tables)
        try:
            with self._conn.cursor() as cursor:
                cursor.execute("SET SESSION FOREIGN_KEY_CHECKS = 0")
                try:
                    cursor.execute("START TRANSACTION")
                    for name in order:
                        cursor.execute(f"DELETE FROM {quote(name)}")
                        columns = self._columns[name]
                        if self._rows[name]:
                            cursor.executemany(
                                f"INSERT INTO {quote(name)} ({', '.join(map(quote, columns))}) "
                                f"VALUES ({', '.join(['%s'] * len(columns))})",
                                self._rows[name],
                            )
                    self._conn.commit()
                    # ALTER TABLE commits implicitly, so it comes after the rows.
                    for name in sorted(changes.sequences):
                        counter = self._counters.get(name)
                        if counter is not None:
                            cursor.execute(
                                f"ALTER TABLE {quote(name)} AUTO_INCREMENT = {int(str(counter))}"
                            )
                finally:
                    cursor.execute("SET SESSION FOREIGN_KEY_CHECKS = 1")
        except self._driver.error as error:
            self._conn.rollback()
            raise self._error("reset", error) from None
        self._checksums.update(
            {name: value for name, value in self._checksums_now().items() if name in order}
        )
        return Restored(tuple(order), tuple(sorted(changes.sequences)))

    def close(self) -> None:
        self._conn.close()
