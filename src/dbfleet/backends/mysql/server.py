"""MySQL and MariaDB: a schema per worker, copied from a template schema in one connection.

There is no ``CREATE DATABASE … TEMPLATE``: a clone re-creates every table from ``SHOW CREATE
TABLE`` (which, unlike ``CREATE TABLE … LIKE``, keeps foreign keys and AUTO_INCREMENT counters),
copies rows with ``INSERT … SELECT`` under ``FOREIGN_KEY_CHECKS = 0``, then re-creates views,
triggers and routines. bench/mysql_clone.py measured this against a dump/load; see the README.

There are no database comments either, so markers live in a registry schema,
``dbfleet_registry``, that only dbfleet writes: a schema without a row there is never dropped.
A row alone proves nothing, since it outlives a schema dropped by hand: the schema must also hold
the row's sign, as the comment of an empty stored procedure ``_dbfleet_sign`` created in the same
connection right after ``CREATE DATABASE``, and marked complete only when the copy into it has
finished. So a schema re-created by hand is the user's, and a crashed copy never looks like a
finished template. An empty schema with a row (a crash between create and sign) has nothing to
lose and counts as an unfinished build. A procedure, not a table: no table list, reflection or
Alembic autogenerate comparison sees it, and unlike a stored function it needs no SUPER on a
server with binary logging.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import URL

from dbfleet.backends.base import Contents, ManagedDatabase
from dbfleet.backends.mysql import KIND
from dbfleet.backends.mysql.driver import MysqlDriver, mysql_driver
from dbfleet.errors import ConfigError, ConnectError, DbfleetError, MigrationError
from dbfleet.faults import point
from dbfleet.marker import Marker
from dbfleet.urls import redacted, scrub

REGISTRY = "dbfleet_registry"

#: The procedure inside every schema dbfleet creates whose comment holds its sign
#: (``dbfleet <sign> complete`` or ``… partial``); never copied by a clone.
SIGN_ROUTINE = "_dbfleet_sign"

#: The objects a clone copies besides tables and views, each as the kind ``SHOW CREATE`` takes
#: and the query listing a schema's own (dbfleet's sign routine left out): the clone and the
#: template cache's own dump copy the same ones.
PROGRAMS: tuple[tuple[str, str], ...] = (
    (
        "TRIGGER",
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s",
    ),
    (
        "PROCEDURE",
        "SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA = %s AND ROUTINE_TYPE = 'PROCEDURE' "
        f"AND ROUTINE_NAME <> '{SIGN_ROUTINE}'",
    ),
    (
        "FUNCTION",
        "SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA = %s AND ROUTINE_TYPE = 'FUNCTION'",
    ),
)

#: How long GET_LOCK waits for a template build, in seconds.
LOCK_TIMEOUT = 3600


def quote(name: str) -> str:
    """Quote an identifier with backticks (neither PyMySQL nor mysqlclient has a composer)."""
    return "`" + name.replace("`", "``") + "`"


def connect_kwargs(url: URL) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "host": url.host or "localhost",
        "port": url.port or 3306,
        "user": url.username or "root",
        "password": str(url.password or ""),
        "connect_timeout": 5,
        "autocommit": True,
        "charset": "utf8mb4",
    }
    socket = url.query.get("unix_socket")
    if socket:
        kwargs["unix_socket"] = socket if isinstance(socket, str) else socket[-1]
    return kwargs


def _connect_error(url: URL, error: BaseException) -> ConnectError:
    code = MysqlDriver.code(error)
    where = f"{url.host or 'localhost'}:{url.port or 3306}"
    if code == 1045:
        return ConnectError(
            f"dbfleet: MySQL at {where} refused the credentials of user {url.username!r} "
            f"(access denied); fix the user or password in {redacted(url)}"
        )
    text = scrub(str(error.args[1] if len(error.args) > 1 else error), url)
    return ConnectError(
        f"dbfleet: cannot reach MySQL at {where} ({text}); start the server or fix the host "
        f"or port in {redacted(url)}"
    )


class MysqlBackend:
    """Provisioning on one MySQL or MariaDB server through one autocommit connection, made with
    the driver the project has (``driver.py``: PyMySQL or mysqlclient)."""

    name_limit = KIND.name_limit

    def __init__(self, url: URL) -> None:
        if not url.database:
            raise ConfigError(
                f"dbfleet: the URL {redacted(url)} names no database; add the base name, "
                "e.g. mysql+pymysql://root@127.0.0.1:3306/app_test"
            )
        self._url = url
        self.base_name = url.database
        self._driver = mysql_driver(url.drivername)
        try:
            self._conn = self._driver.connect(connect_kwargs(url))
        except self._driver.operational_error as error:
            raise _connect_error(url, error) from None
        self._execute(
            "create dbfleet's registry",
            f"CREATE DATABASE IF NOT EXISTS {quote(REGISTRY)}",
        )
        self._execute(
            "create dbfleet's registry",
            f"CREATE TABLE IF NOT EXISTS {quote(REGISTRY)}.managed "
            "(name VARCHAR(64) PRIMARY KEY, marker TEXT NOT NULL)",
        )
        self._execute(
            "create dbfleet's registry",
            f"CREATE TABLE IF NOT EXISTS {quote(REGISTRY)}.users "
            "(lock_key VARCHAR(64) NOT NULL, lock_name VARCHAR(64) PRIMARY KEY)",
        )

    def _execute(
        self, doing: str, statement: str, params: tuple[Any, ...] | None = None
    ) -> list[tuple[Any, ...]]:
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(statement, params)
                return list(cursor.fetchall())
        except self._driver.error as error:
            text = scrub(str(error), self._url)
            hint = "check the server's log"
            if self._driver.code(error) in (1044, 1142, 1227):
                user = self._url.username or "the user"
                hint = f"grant {user} the right (e.g. GRANT ALL ON `app_test%`.* TO {user})"
            raise DbfleetError(f"dbfleet: MySQL refused to {doing}: {text}; {hint}") from None

    def server_version(self) -> str:
        version = str(self._execute("read the version", "SELECT VERSION()")[0][0])
        flavour = "mariadb" if "mariadb" in version.lower() else "mysql"
        return f"{flavour}-{version.split('.')[0]}"

    def url_for(self, name: str) -> URL:
        return self._url.set(database=name)

    def exists(self, name: str) -> bool:
        return bool(
            self._execute(
                "look up schemas",
                "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                (name,),
            )
        )

    def marker(self, name: str) -> Marker | None:
        if not self.exists(name):
            return None
        rows = self._execute(
            "read markers", f"SELECT marker FROM {quote(REGISTRY)}.managed WHERE name = %s", (name,)
        )
        marker = Marker.from_json(rows[0][0]) if rows else None
        if marker is None:
            return None
        sign = self._read_sign(name)
        if sign is None:
            # Created, then the process died before signing: nothing inside, so nothing of
            # anyone's is lost by dropping it; it never counts as a finished template.
            return replace(marker, kind="building") if self._is_empty(name) else None
        token, complete = sign
        if not marker.sign or token != marker.sign:
            return None
        return marker if complete else replace(marker, kind="building")

    def _read_sign(self, name: str) -> tuple[str, bool] | None:
        rows = self._execute(
            "read signs",
            "SELECT ROUTINE_COMMENT FROM information_schema.ROUTINES "
            "WHERE ROUTINE_SCHEMA = %s AND ROUTINE_NAME = %s AND ROUTINE_TYPE = 'PROCEDURE'",
            (name, SIGN_ROUTINE),
        )
        parts = str(rows[0][0]).split() if rows else []
        if len(parts) != 3 or parts[0] != "dbfleet":
            return None
        return parts[1], parts[2] == "complete"

    def _sign_comment(self, marker: Marker, *, complete: bool) -> str:
        state = "complete" if complete else "partial"
        return f"'dbfleet {marker.sign} {state}'"

    def _is_empty(self, name: str) -> bool:
        rows = self._execute(
            "inspect a schema",
            "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s)"
            " + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s)",
            (name, name),
        )
        return int(rows[0][0]) == 0

    def _mark(self, name: str, marker: Marker) -> None:
        self._execute(
            f"mark {name}",
            f"REPLACE INTO {quote(REGISTRY)}.managed (name, marker) VALUES (%s, %s)",
            (name, marker.to_json()),
        )

    def _create_signed(
        self, name: str, marker: Marker, *, complete: bool, doing: str, options: str = ""
    ) -> None:
        """Registry row, schema, sign: in this order, so every crash leaves a recognisable state."""
        self._mark(name, marker)
        point("create:before")
        self._execute(doing, f"CREATE DATABASE {quote(name)}{options}")
        point("create:created")
        comment = self._sign_comment(marker, complete=complete)
        self._execute(
            doing,
            f"CREATE PROCEDURE {quote(name)}.{quote(SIGN_ROUTINE)}() COMMENT {comment} BEGIN END",
        )

    def create_empty(self, name: str, marker: Marker) -> None:
        self._create_signed(name, marker, complete=True, doing=f"create database {name}")

    def clone(self, template: str, name: str, marker: Marker) -> None:
        if not self.exists(template):
            raise DbfleetError(
                f"dbfleet: template {template} disappeared before {name} was cloned from it "
                "(another run rebuilt the template); run again"
            )
        charset = self._execute(
            "read the template's charset",
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
            "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
            (template,),
        )[0]
        doing = f"clone {template} into {name}"
        options = f" CHARACTER SET {charset[0]} COLLATE {charset[1]}"
        self._create_signed(name, marker, complete=False, doing=doing, options=options)
        self._copy_schema(template, name, doing)
        comment = self._sign_comment(marker, complete=True)
        self._execute(
            doing, f"ALTER PROCEDURE {quote(name)}.{quote(SIGN_ROUTINE)} COMMENT {comment}"
        )

    def _copy_schema(self, source: str, target: str, doing: str) -> None:
        self._execute(doing, f"USE {quote(target)}")
        self._execute(doing, "SET SESSION FOREIGN_KEY_CHECKS = 0")
        try:
            tables = [
                str(row[0])
                for row in self._execute(
                    doing,
                    "SELECT TABLE_NAME FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                    (source,),
                )
            ]
            for table in tables:
                create = self._execute(doing, f"SHOW CREATE TABLE {quote(source)}.{quote(table)}")
                self._execute(doing, str(create[0][1]))
            point("clone:copying")  # every table created, no row copied yet
            for table in tables:
                columns = ", ".join(
                    quote(str(row[0]))
                    for row in self._execute(
                        doing,
                        "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
                        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
                        "AND EXTRA NOT LIKE '%%GENERATED%%' ORDER BY ORDINAL_POSITION",
                        (source, table),
                    )
                )
                self._execute(
                    doing,
                    f"INSERT INTO {quote(target)}.{quote(table)} ({columns}) "
                    f"SELECT {columns} FROM {quote(source)}.{quote(table)}",
                )
            self._copy_views(source, target, doing)
            for kind, names in PROGRAMS:
                for (object_name,) in self._execute(doing, names, (source,)):
                    row = self._execute(
                        doing, f"SHOW CREATE {kind} {quote(source)}.{quote(object_name)}"
                    )
                    self._execute(doing, str(row[0][2]))
        finally:
            self._execute(doing, "SET SESSION FOREIGN_KEY_CHECKS = 1")

    def _copy_views(self, source: str, target: str, doing: str) -> None:
        pending = [
            str(row[0])
            for row in self._execute(
                doing,
                "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s",
                (source,),
            )
        ]
        # Views may select from views: create what can be created until nothing changes.
        while pending:
            failed = []
            for view in pending:
                row = self._execute(doing, f"SHOW CREATE VIEW {quote(source)}.{quote(view)}")
                statement = str(row[0][1]).replace(f"{quote(source)}.", f"{quote(target)}.")
                try:
                    self._execute(doing, statement)
                except DbfleetError:
                    failed.append(view)
            if len(failed) == len(pending):
                raise DbfleetError(f"dbfleet: MySQL refused to {doing}: views {failed} failed")
            pending = failed

    def finish_template(self, building: str, template: str, marker: Marker) -> None:
        # No RENAME DATABASE, and RENAME TABLE refuses tables with triggers across schemas:
        # the finished build is copied under the template's name, then dropped.
        self.clone(building, template, marker)
        point("template:renamed")
        self.drop(building)

    def has_sessions(self, name: str) -> bool:
        return bool(
            self._execute(
                "list sessions",
                "SELECT 1 FROM information_schema.PROCESSLIST "
                "WHERE DB = %s AND ID <> CONNECTION_ID()",
                (name,),
            )
        )

    def drop(self, name: str) -> None:
        self._execute(f"drop database {name}", f"DROP DATABASE IF EXISTS {quote(name)}")
        point("drop:dropped")
        self._execute(
            f"unmark {name}", f"DELETE FROM {quote(REGISTRY)}.managed WHERE name = %s", (name,)
        )

    def list_managed(self) -> list[ManagedDatabase]:
        rows = self._execute(
            "list databases",
            f"SELECT m.name, m.marker FROM {quote(REGISTRY)}.managed m "
            "JOIN information_schema.SCHEMATA s ON s.SCHEMA_NAME = m.name ORDER BY m.name",
        )
        managed = []
        for name, text in rows:
            # The sign inside decides, not the row: self.marker() checks both.
            marker = self.marker(str(name)) if Marker.from_json(text) is not None else None
            if marker is not None:
                managed.append(ManagedDatabase(str(name), marker))
        return managed

    def list_staging(self) -> list[str]:
        # Nothing is staged here: the registry row, written before the schema, plays that part.
        return []

    def list_names(self, prefix: str) -> list[str]:
        # Filtered here, not with LIKE: ``_`` in a base name is a LIKE wildcard.
        rows = self._execute(
            "list databases", "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"
        )
        return sorted(str(row[0]) for row in rows if str(row[0]).startswith(prefix))

    def contents(self, name: str) -> Contents:
        rows = self._execute(
            f"read the size of {name}",
            "SELECT COUNT(*), COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) "
            "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'",
            (name,),
        )
        return Contents(int(rows[0][0]), int(rows[0][1]))

    def run_sql(self, name: str, script: str) -> None:
        driver = self._driver
        try:
            conn = driver.connect(
                {**connect_kwargs(self._url), "database": name}, multi_statements=True
            )
        except driver.operational_error as error:
            raise _connect_error(self._url, error) from None
        try:
            with conn.cursor() as cursor:
                cursor.execute(script)
                while cursor.nextset():
                    pass
        except driver.error as error:
            raise MigrationError(scrub(str(error.args[-1]), self._url)) from None
        finally:
            conn.close()

    @staticmethod
    def _lock_name(key: str) -> str:
        # GET_LOCK names are limited to 64 characters.
        return "dbfleet-" + hashlib.sha256(key.encode()).hexdigest()[:40]

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        name = self._lock_name(key)
        self._execute("take a lock", "SELECT GET_LOCK(%s, %s)", (name, LOCK_TIMEOUT))
        try:
            yield
        finally:
            self._execute("release a lock", "SELECT RELEASE_LOCK(%s)", (name,))

    def _guard(self, key: str) -> str:
        return self._lock_name(f"exclusive:{key}")

    def hold_shared(self, key: str) -> None:
        """MySQL has no shared named locks: each holder takes a lock of its own, listed in the
        registry; the key's guard lock, held by an exclusive owner, makes newcomers wait."""
        guard = self._guard(key)
        self._execute("take a lock", "SELECT GET_LOCK(%s, %s)", (guard, LOCK_TIMEOUT))
        try:
            connection = self._execute("read the connection id", "SELECT CONNECTION_ID()")[0][0]
            name = self._lock_name(f"{key}:{connection}")
            self._execute("take a lock", "SELECT GET_LOCK(%s, 0)", (name,))
            self._execute(
                "register a lock",
                f"REPLACE INTO {quote(REGISTRY)}.users (lock_key, lock_name) VALUES (%s, %s)",
                (self._lock_name(key), name),
            )
        finally:
            self._execute("release a lock", "SELECT RELEASE_LOCK(%s)", (guard,))

    def try_exclusive(self, key: str) -> bool:
        """Take the key's guard (so no new holder can register), then check that no listed
        holder's lock is still held; the guard stays taken until ``release_exclusive``."""
        guard = self._guard(key)
        if not self._execute("take a lock", "SELECT GET_LOCK(%s, 0)", (guard,))[0][0]:
            return False
        users = self._execute(
            "read locks",
            f"SELECT lock_name FROM {quote(REGISTRY)}.users WHERE lock_key = %s",
            (self._lock_name(key),),
        )
        for (name,) in users:
            if self._execute("read locks", "SELECT IS_USED_LOCK(%s)", (name,))[0][0] is not None:
                self._execute("release a lock", "SELECT RELEASE_LOCK(%s)", (guard,))
                return False
            self._execute(
                "forget a lock",
                f"DELETE FROM {quote(REGISTRY)}.users WHERE lock_name = %s",
                (name,),
            )
        return True

    def release_exclusive(self, key: str) -> None:
        self._execute("release a lock", "SELECT RELEASE_LOCK(%s)", (self._guard(key),))

    def close(self) -> None:
        self._conn.close()
