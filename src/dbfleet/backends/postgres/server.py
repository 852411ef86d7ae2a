"""PostgreSQL: ``CREATE DATABASE … TEMPLATE`` clones, comments as markers, advisory locks.

All provisioning goes through one autocommit connection to the maintenance database, made with
the driver the project has (``driver.py``: psycopg 3 or psycopg2, the one the URL names first).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import URL

from dbfleet.backends.base import Contents, ManagedDatabase
from dbfleet.backends.postgres import KIND
from dbfleet.backends.postgres.driver import (
    INSUFFICIENT_PRIVILEGE,
    INVALID_CATALOG_NAME,
    OBJECT_IN_USE,
    QUERY_CANCELED,
    PostgresDriver,
    postgres_driver,
)
from dbfleet.errors import ConfigError, ConnectError, DbfleetError, MigrationError
from dbfleet.faults import point
from dbfleet.marker import STAGING_PREFIX, Marker, staging_name
from dbfleet.urls import redacted, scrub, with_database

#: Databases tried, in order, for the provisioning connection.
MAINTENANCE_DATABASES = ("postgres", "template1")

#: How long a clone waits for a template that something else is connected to.
CLONE_RETRY_SECONDS = 30.0

#: ``STRATEGY`` for ``CREATE DATABASE`` on PostgreSQL >= 15. WAL_LOG (the default) copies block by
#: block through the WAL; FILE_COPY copies files but forces two checkpoints. bench/clone_strategy.py
#: measured WAL_LOG faster for small templates here, on PostgreSQL 15 and 18 (also against
#: FILE_COPY with file_copy_method = clone); see the README.
CLONE_STRATEGY = "WAL_LOG"


def connect_kwargs(url: URL, database: str) -> dict[str, Any]:
    """libpq keywords from a SQLAlchemy URL; query options such as ``host=/socket/dir`` pass on."""
    kwargs: dict[str, Any] = {"dbname": database, "connect_timeout": 5}
    if url.host:
        kwargs["host"] = url.host
    if url.port:
        kwargs["port"] = url.port
    if url.username:
        kwargs["user"] = url.username
    if url.password is not None:
        kwargs["password"] = str(url.password)
    for key, value in url.query.items():
        kwargs[key] = value if isinstance(value, str) else value[-1]
    return kwargs


def _describe_server(url: URL) -> str:
    host = url.host or str(url.query.get("host") or "local socket")
    return f"{host}:{url.port or 5432}"


def _connect_error(url: URL, error: BaseException) -> ConnectError:
    """Turn libpq's multi-line error into one line that says what to fix."""
    text = scrub(str(error), url)
    where = _describe_server(url)
    lowered = text.lower()
    if "password" in lowered or "authentication" in lowered:
        return ConnectError(
            f"dbfleet: PostgreSQL at {where} refused the credentials of user "
            f"{url.username!r} (authentication failed); fix the user or password in {redacted(url)}"
        )
    if "does not exist" in lowered and "role" in lowered:
        return ConnectError(
            f"dbfleet: PostgreSQL at {where} has no role {url.username!r}; "
            f"fix the user name in {redacted(url)}"
        )
    first = next((line.strip() for line in text.splitlines() if line.strip()), text)
    return ConnectError(
        f"dbfleet: cannot reach PostgreSQL at {where} ({first}); start the server, fix the host "
        f"or port in {redacted(url)}, or use --dbfleet-embedded"
    )


def _refused(driver: PostgresDriver, error: Exception, url: URL, doing: str) -> DbfleetError:
    """One line for a statement the server refused, with a hint where the cause is known."""
    text = scrub(str(error), url).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    hint = "check the server's log"
    state = driver.sqlstate(error)
    if state == INSUFFICIENT_PRIVILEGE:
        hint = (
            f"grant the role the right, e.g. ALTER ROLE {url.username or 'you'} CREATEDB, "
            "or use the role that created dbfleet's databases"
        )
    elif state == QUERY_CANCELED:
        hint = "a statement_timeout or lock_timeout of the role cut it short; raise it"
    elif isinstance(error, driver.operational_error):
        hint = "the connection to the server was lost; check the server and run again"
    return DbfleetError(f"dbfleet: PostgreSQL refused to {doing}: {first}; {hint}")


def advisory_key(key: str) -> int:
    """A stable signed 64-bit advisory-lock key for a string."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class PostgresBackend:
    """Provisioning on one PostgreSQL server through one autocommit connection."""

    name_limit = KIND.name_limit

    def __init__(self, url: URL) -> None:
        if not url.database:
            raise ConfigError(
                f"dbfleet: the URL {redacted(url)} names no database; add the base name, "
                "e.g. postgresql://user@127.0.0.1:5432/app_test"
            )
        self._url = url
        self.base_name = url.database
        self._driver = postgres_driver(url.drivername)
        self._sql = self._driver.sql
        self._conn = self._open(url)

    def _open(self, url: URL) -> Any:
        last: Exception | None = None
        for database in MAINTENANCE_DATABASES:
            try:
                return self._driver.connect(
                    {**connect_kwargs(url, database), "application_name": "dbfleet"}
                )
            except self._driver.operational_error as error:
                last = error
                if f'database "{database}" does not exist' not in str(error):
                    break
        assert last is not None
        raise _connect_error(url, last) from None

    def _execute(
        self, doing: str, statement: Any, params: tuple[Any, ...] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run one statement (a string or a composed ``sql``); any refusal becomes a one-line
        DbfleetError saying ``doing``."""
        try:
            return self._driver.rows(self._conn, statement, params)
        except self._driver.error as error:
            raise _refused(self._driver, error, self._url, doing) from None

    @property
    def _version_num(self) -> int:
        return self._driver.server_version(self._conn)

    def server_version(self) -> str:
        return str(self._version_num // 10000)

    def url_for(self, name: str) -> URL:
        return with_database(self._url, name)

    def exists(self, name: str) -> bool:
        rows = self._execute(
            "look up databases", "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        )
        return bool(rows)

    def marker(self, name: str) -> Marker | None:
        rows = self._execute(
            "read database markers",
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        )
        return Marker.from_json(rows[0][0]) if rows else None

    def _mark(self, name: str, marker: Marker) -> None:
        sql = self._sql
        self._execute(
            f"mark database {name}",
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(marker.to_json())
            ),
        )

    def _tune_disposable(self, name: str) -> None:
        sql = self._sql
        # Worker databases are thrown away at the end of the run, so a crash losing the last
        # commits costs nothing; per-test commits then stop waiting for the WAL flush.
        self._execute(
            f"tune database {name}",
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name)),
        )

    def _rename_into_place(self, staging: str, name: str) -> None:
        """The last step of every create: atomic by name, so ``name`` is never unsigned.

        The server may finish a ``CREATE DATABASE`` after its client died, and a comment is a
        second statement; creating under the run's staging name closes that window, since a
        staging name is collected once its run's lock is free.
        """
        sql = self._sql
        point("create:signed")
        self._execute(
            f"rename {staging} to {name}",
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(staging), sql.Identifier(name)
            ),
        )

    def create_empty(self, name: str, marker: Marker) -> None:
        sql = self._sql
        staging = staging_name(name, marker.run)
        point("create:before")
        self._execute(
            f"create database {name}",
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(staging)),
        )
        point("create:created")
        self._mark(staging, marker)
        self._rename_into_place(staging, name)

    def clone(self, template: str, name: str, marker: Marker) -> None:
        sql = self._sql
        staging = staging_name(name, marker.run)
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(staging), sql.Identifier(template)
        )
        if self._version_num >= 150000:
            statement = sql.SQL("{} STRATEGY {}").format(statement, sql.SQL(CLONE_STRATEGY))
        deadline = time.monotonic() + CLONE_RETRY_SECONDS
        delay = 0.02
        point("create:before")
        while True:
            try:
                self._driver.rows(self._conn, statement)
                break
            except self._driver.error as error:
                state = self._driver.sqlstate(error)
                if state == INVALID_CATALOG_NAME:
                    raise DbfleetError(
                        f"dbfleet: template {template} disappeared before {name} was cloned "
                        "from it (another run rebuilt the template); run again"
                    ) from None
                # Something connected to the template (it admits none of its own) makes it wait.
                if state != OBJECT_IN_USE or time.monotonic() > deadline:
                    raise _refused(
                        self._driver, error, self._url, f"clone {template} into {name}"
                    ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        point("create:created")
        self._mark(staging, marker)
        self._tune_disposable(staging)
        self._rename_into_place(staging, name)

    def finish_template(self, building: str, template: str, marker: Marker) -> None:
        sql = self._sql
        self._terminate(building)
        self._execute(
            f"rename {building} to {template}",
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(building), sql.Identifier(template)
            ),
        )
        point("template:renamed")
        # Nobody may connect to a template (a stray session would make every clone wait), and
        # IS_TEMPLATE lets every role with CREATEDB clone it, not only its owner. Closed before
        # it is marked: until the "template" marker comes, it still reads as an unfinished build.
        self._execute(
            f"close template {template}",
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true").format(
                sql.Identifier(template)
            ),
        )
        self._mark(template, marker)

    def list_staging(self) -> list[str]:
        rows = self._execute(
            "list databases",
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
            (STAGING_PREFIX,),
        )
        return [str(row[0]) for row in rows]

    def list_names(self, prefix: str) -> list[str]:
        rows = self._execute(
            "list databases",
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
            (prefix,),
        )
        return [str(row[0]) for row in rows]

    def contents(self, name: str) -> Contents:
        rows = self._execute(
            f"read the size of {name}",
            "SELECT pg_database_size(datname) FROM pg_database WHERE datname = %s",
            (name,),
        )
        size = int(rows[0][0]) if rows else None
        # Tables are only visible from inside the database; one that admits no connections
        # (or refuses this role) keeps its count unknown rather than failing the listing.
        driver = self._driver
        try:
            conn = driver.connect(connect_kwargs(self._url, name))
        except driver.error:
            return Contents(None, size)
        try:
            found = driver.rows(
                conn,
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN "
                "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'",
            )
        except driver.error:
            return Contents(None, size)
        finally:
            conn.close()
        return Contents(int(found[0][0]) if found else 0, size)

    def _terminate(self, name: str) -> None:
        self._execute(
            f"end sessions on {name}",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )

    def has_sessions(self, name: str) -> bool:
        rows = self._execute(
            "list sessions",
            "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        return bool(rows)

    def drop(self, name: str) -> None:
        sql = self._sql
        identifier = sql.Identifier(name)
        doing = f"drop database {name}"
        rows = self._execute(
            doing, "SELECT datistemplate FROM pg_database WHERE datname = %s", (name,)
        )
        if rows and rows[0][0]:
            # PostgreSQL refuses to drop a template; it stops being one first.
            self._execute(doing, sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(identifier))
        if self._version_num >= 130000:
            self._execute(
                doing, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier)
            )
            point("drop:dropped")
        else:
            self._terminate(name)
            self._execute(doing, sql.SQL("DROP DATABASE IF EXISTS {}").format(identifier))

    def list_managed(self) -> list[ManagedDatabase]:
        rows = self._execute(
            "list databases",
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
            "ORDER BY datname",
        )
        managed = []
        for name, comment in rows:
            marker = Marker.from_json(comment)
            if marker is not None:
                managed.append(ManagedDatabase(name, marker))
        return managed

    def run_sql(self, name: str, script: str) -> None:
        url = with_database(self._url, name)
        driver = self._driver
        try:
            conn = driver.connect(connect_kwargs(url, name), autocommit=False)
        except driver.operational_error as error:
            raise _connect_error(url, error) from None
        try:
            driver.rows(conn, script.encode())
            conn.commit()
        except driver.error as error:
            first = scrub(str(error), url).strip().splitlines()[0]
            raise MigrationError(first) from None
        finally:
            conn.close()

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        lock_id = advisory_key(key)
        self._execute("take a lock", "SELECT pg_advisory_lock(%s)", (lock_id,))
        try:
            yield
        finally:
            self._execute("release a lock", "SELECT pg_advisory_unlock(%s)", (lock_id,))

    def hold_shared(self, key: str) -> None:
        """Hold a shared lock on ``key`` until this connection closes (the whole run)."""
        self._execute("take a lock", "SELECT pg_advisory_lock_shared(%s)", (advisory_key(key),))

    def try_exclusive(self, key: str) -> bool:
        """Take ``key`` exclusively if nobody holds it; False at once otherwise."""
        rows = self._execute("take a lock", "SELECT pg_try_advisory_lock(%s)", (advisory_key(key),))
        return bool(rows[0][0])

    def release_exclusive(self, key: str) -> None:
        self._execute("release a lock", "SELECT pg_advisory_unlock(%s)", (advisory_key(key),))

    def close(self) -> None:
        self._conn.close()
