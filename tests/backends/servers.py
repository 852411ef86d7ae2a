"""One small interface over the three database kinds, for tests that run on all of them.

Each ``Server`` answers what the tests need to see from outside dbfleet: which databases exist,
and it can plant a user's own database or a leftover as another run would leave it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import psycopg
import pymysql
from psycopg import sql
from sqlalchemy.engine import URL

from dbfleet.backends import open_backend
from dbfleet.backends.postgres.server import connect_kwargs
from dbfleet.faults import STEPS
from dbfleet.marker import Marker
from dbfleet.urls import connectable, parse_url


class Server(Protocol):
    kind: str
    #: The longest database name the server (or file system) takes, in bytes.
    name_limit: int

    def url(self, base: str) -> str:
        """The base URL for dbfleet (with a password where the server checks one)."""
        ...

    def names(self, prefix: str) -> set[str]: ...

    def plant(self, name: str, marker: Marker | None) -> None:
        """A database with one row in ``precious``, marked as given (None: a user's own)."""
        ...

    def precious(self, name: str) -> list[tuple[object, ...]]: ...

    def drop_all(self, prefix: str) -> None: ...

    def discard(self, name: str) -> None:
        """Drop one database by hand, as a user would: dbfleet's notes beside it stay."""
        ...

    def connect(self, name: str) -> contextlib.AbstractContextManager[object]:
        """An open session on database ``name`` (None where the kind keeps no sessions)."""
        ...


@dataclass
class PostgresServer:
    server: URL
    password: str
    kind: str = "postgresql"
    name_limit: int = 63

    def url(self, base: str) -> str:
        url = self.server.set(
            drivername="postgresql+psycopg", database=base, password=self.password
        )
        return connectable(url)

    @contextlib.contextmanager
    def _admin(
        self, database: str = "postgres"
    ) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        with psycopg.connect(**connect_kwargs(self.server, database), autocommit=True) as conn:
            yield conn

    def names(self, prefix: str) -> set[str]:
        with self._admin() as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
            ).fetchall()
        return {str(row[0]) for row in rows}

    def plant(self, name: str, marker: Marker | None) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            if marker is not None:
                conn.execute(
                    sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                        sql.Identifier(name), sql.Literal(marker.to_json())
                    )
                )
        with self._admin(name) as conn:
            conn.execute("CREATE TABLE precious (v text)")
            conn.execute("INSERT INTO precious VALUES ('keep me')")

    def precious(self, name: str) -> list[tuple[object, ...]]:
        with self._admin(name) as conn:
            return conn.execute("SELECT v FROM precious").fetchall()

    def discard(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))

    def connect(self, name: str) -> contextlib.AbstractContextManager[object]:
        return self._admin(name)

    def drop_all(self, prefix: str) -> None:
        with self._admin() as conn:
            for name in self.names(prefix):
                identifier = sql.Identifier(name)
                conn.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(identifier))
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))


@dataclass
class MysqlServer:
    host: str
    port: int
    user: str
    password: str
    kind: str = "mysql"
    name_limit: int = 64

    def url(self, base: str) -> str:
        url = URL.create("mysql+pymysql", self.user, self.password, self.host, self.port, base)
        return connectable(url)

    def _admin(self, database: str | None = None) -> pymysql.Connection[pymysql.cursors.Cursor]:
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=database,
            autocommit=True,
        )

    def names(self, prefix: str) -> set[str]:
        with self._admin() as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s",
                (prefix + "%",),
            )
            return {str(row[0]) for row in cursor.fetchall()}

    def plant(self, name: str, marker: Marker | None) -> None:
        with self._admin() as conn, conn.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}`")
            cursor.execute(f"CREATE TABLE `{name}`.precious (v VARCHAR(20))")
            cursor.execute(f"INSERT INTO `{name}`.precious VALUES ('keep me')")
            if marker is not None:  # signed inside, as dbfleet signs what it creates
                cursor.execute(
                    f"CREATE PROCEDURE `{name}`._dbfleet_sign() "
                    f"COMMENT 'dbfleet {marker.sign} complete' BEGIN END"
                )
        if marker is not None:
            backend = open_backend(
                URL.create("mysql+pymysql", self.user, self.password, self.host, self.port, name)
            )
            try:
                backend._mark(name, marker)  # type: ignore[attr-defined]
            finally:
                backend.close()

    def precious(self, name: str) -> list[tuple[object, ...]]:
        with self._admin(name) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT v FROM precious")
            return list(cursor.fetchall())

    def discard(self, name: str) -> None:
        with self._admin() as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE `{name}`")

    def connect(self, name: str) -> contextlib.AbstractContextManager[object]:
        return self._admin(name)

    def drop_all(self, prefix: str) -> None:
        with self._admin() as conn, conn.cursor() as cursor:
            for name in self.names(prefix):
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(
                "DELETE FROM dbfleet_registry.managed WHERE name LIKE %s", (prefix + "%",)
            )


@dataclass
class SqliteServer:
    directory: Path
    kind: str = "sqlite"
    name_limit: int = 255 - len(".db-journal")

    def url(self, base: str) -> str:
        return f"sqlite:///{self.directory / base}.db"

    @property
    def folders(self) -> tuple[Path, Path]:
        """Where database files live: beside the base file (the base itself, and what older
        dbfleet made or a user planted) and dbfleet's own folder (everything else it makes)."""
        return self.directory, self.directory / ".dbfleet" / "sqlite"

    def _file(self, name: str) -> Path:
        beside, moved = (folder / f"{name}.db" for folder in self.folders)
        return moved if moved.exists() else beside

    def names(self, prefix: str) -> set[str]:
        return {path.stem for folder in self.folders for path in folder.glob(f"{prefix}*.db")}

    def plant(self, name: str, marker: Marker | None) -> None:
        with contextlib.closing(sqlite3.connect(self.directory / f"{name}.db")) as conn:
            conn.execute("CREATE TABLE precious (v TEXT)")
            conn.execute("INSERT INTO precious VALUES ('keep me')")
            if marker is not None:  # signed inside, as dbfleet signs what it creates
                conn.execute(f"PRAGMA application_id = {int(marker.sign, 16)}")
            conn.commit()
        if marker is not None:
            markers = self.directory / ".dbfleet" / "markers"
            markers.mkdir(parents=True, exist_ok=True)
            (markers / f"{name}.db.json").write_text(marker.to_json())

    def precious(self, name: str) -> list[tuple[object, ...]]:
        with contextlib.closing(sqlite3.connect(self._file(name))) as conn:
            return conn.execute("SELECT v FROM precious").fetchall()

    def discard(self, name: str) -> None:
        path = self._file(name)
        path.chmod(0o644)
        path.unlink()

    def connect(self, name: str) -> contextlib.AbstractContextManager[object]:
        return contextlib.nullcontext()

    def drop_all(self, prefix: str) -> None:
        for folder in self.folders:
            for path in folder.glob(f"{prefix}*"):
                path.chmod(0o644)
                path.unlink()


#: Steps only a run restoring from the template cache takes (tests/reliability/test_i7_cache.py).
RESTORE_STEPS = ("restore:started", "restore:done")

#: The crash steps (``dbfleet.faults.STEPS``) each kind passes through: MySQL/MariaDB copies
#: table by table where the others stage and rename.
PASSES = {
    "postgresql": [s for s in STEPS if s != "clone:copying" and s not in RESTORE_STEPS],
    "mysql": [s for s in STEPS if s != "create:signed" and s not in RESTORE_STEPS],
    "sqlite": [s for s in STEPS if s != "clone:copying" and s not in RESTORE_STEPS],
}
#: Steps taken both when the template is built (cold) and when a database is cloned (warm).
BOTH = {"create:before", "create:created", "create:signed", "clone:copying"}


def staging_names(server: Server, base: str) -> set[str]:
    """The server's staging databases (every run's), as dbfleet's backend lists them."""
    backend = open_backend(parse_url(server.url(base)))
    try:
        return set(backend.list_staging())
    finally:
        backend.close()
