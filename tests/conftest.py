"""Shared fixtures: a real PostgreSQL server and inner pytest runs that must never leak secrets.

The server comes from ``DBFLEET_TEST_PG_URL`` (default: this machine's 127.0.0.1:5432); when it
is unreachable an embedded one is started, and only when that fails too are the tests skipped.
Every URL handed to dbfleet carries ``SECRET`` as its password (trust auth ignores it), and every
inner run's output is checked for it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from backends.servers import MysqlServer, PostgresServer, Server, SqliteServer
from dbfleet.backends.postgres.server import connect_kwargs
from dbfleet.embedded import start_server
from dbfleet.errors import DbfleetError
from dbfleet.urls import connectable
from support import SECRET, inner_environment

DEFAULT_MYSQL = "mysql+pymysql://root@127.0.0.1:3306/mysql"
MYSQL_USER = "dbfleet_test"

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def _reachable(url: URL) -> bool:
    try:
        psycopg.connect(**connect_kwargs(url, url.database or "postgres")).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture(scope="session")
def pg_server() -> Iterator[URL]:
    """The PostgreSQL server under test, as a URL to its ``postgres`` database."""
    url = make_url(os.environ.get("DBFLEET_TEST_PG_URL", DEFAULT_PG))
    if _reachable(url):
        yield url
        return
    # Not under pytest's basetemp: as root the server runs as another user, and pytest re-locks
    # its per-user temporary root to mode 0700 at the start of every session.
    datadir = Path(tempfile.mkdtemp(prefix="dbfleet-test-pg-")) / "pgdata"
    datadir.parent.chmod(0o755)
    try:
        url, server = start_server(datadir, cleanup_mode="delete")
    except DbfleetError as error:
        pytest.skip(f"no PostgreSQL reachable at {url.host}:{url.port} and none started: {error}")
    yield url
    server.cleanup()
    shutil.rmtree(datadir.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def mysql_server() -> MysqlServer:
    """MySQL/MariaDB from ``DBFLEET_TEST_MYSQL_URL`` (default: root at 127.0.0.1:3306), with a
    user that has a real password, so that leaks of a checked password are caught too."""
    url = make_url(os.environ.get("DBFLEET_TEST_MYSQL_URL", DEFAULT_MYSQL))
    try:
        admin = pymysql.connect(
            host=url.host,
            port=url.port or 3306,
            user=url.username or "root",
            password=str(url.password or ""),
            autocommit=True,
            connect_timeout=3,
        )
    except pymysql.err.OperationalError as error:
        pytest.skip(f"no MySQL/MariaDB reachable at {url.host}:{url.port or 3306}: {error}")
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE USER IF NOT EXISTS '{MYSQL_USER}'@'%%' IDENTIFIED BY %s", (SECRET,))
        cursor.execute(f"ALTER USER '{MYSQL_USER}'@'%%' IDENTIFIED BY %s", (SECRET,))
        cursor.execute(f"GRANT ALL ON *.* TO '{MYSQL_USER}'@'%'")
    admin.close()
    return MysqlServer(url.host or "127.0.0.1", url.port or 3306, MYSQL_USER, SECRET)


@pytest.fixture
def admin(pg_server: URL) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(**connect_kwargs(pg_server, "postgres"), autocommit=True) as conn:
        yield conn


@pytest.fixture
def base_name(admin: psycopg.Connection[tuple[object, ...]]) -> Iterator[str]:
    """A base database name no other test uses; whatever the test leaves under it is dropped."""
    name = f"dbft_{uuid.uuid4().hex[:8]}"
    yield name
    for (leftover,) in admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", (name + "%",)
    ).fetchall():
        identifier = sql.Identifier(leftover)
        admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(identifier))
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))


@pytest.fixture
def base_url(pg_server: URL, base_name: str) -> str:
    """The base URL given to dbfleet: password included, so leaks can be detected."""
    return connectable(pg_server.set(database=base_name, password=SECRET))


@pytest.fixture
def databases(
    admin: psycopg.Connection[tuple[object, ...]], base_name: str
) -> Callable[[], set[str]]:
    """The databases currently on the server whose name starts with the test's base name."""

    def current() -> set[str]:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (base_name + "%",)
        ).fetchall()
        return {str(row[0]) for row in rows}

    return current


@pytest.fixture
def project(
    pytester: pytest.Pytester, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """A pytester project whose inner runs see only ``DBFLEET_URL``, not this run's xdist state."""
    inner_environment(monkeypatch, base_url)
    return pytester


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def server(request: pytest.FixtureRequest, pg_server: URL, tmp_path: Path) -> Server:
    """Each database kind in turn; MySQL/MariaDB cases skip, saying why, without a server."""
    if request.param == "postgresql":
        return PostgresServer(pg_server, SECRET)
    if request.param == "mysql":
        return request.getfixturevalue("mysql_server")  # type: ignore[no-any-return]
    return SqliteServer(tmp_path)


@pytest.fixture
def base(server: Server) -> Iterator[str]:
    """A base name no other test uses on ``server``; whatever is left under it is dropped."""
    name = f"dbft_{uuid.uuid4().hex[:8]}"
    yield name
    server.drop_all(name)
