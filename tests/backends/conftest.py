"""The ``server`` fixture: every test here runs on PostgreSQL, MySQL/MariaDB and SQLite.

MySQL/MariaDB comes from ``DBFLEET_TEST_MYSQL_URL`` (default: this machine's root at
127.0.0.1:3306); the tests create a user with a password there, so that leaks of a real,
checked password are caught too. Without a reachable server those cases skip, saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from servers import MysqlServer, PostgresServer, Server, SqliteServer
from sqlalchemy.engine import URL, make_url

from support import SECRET

DEFAULT_MYSQL = "mysql+pymysql://root@127.0.0.1:3306/mysql"
MYSQL_USER = "dbfleet_test"


@pytest.fixture(scope="session")
def mysql_server() -> MysqlServer:
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


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def server(request: pytest.FixtureRequest, pg_server: URL, tmp_path: Path) -> Server:
    if request.param == "postgresql":
        return PostgresServer(pg_server, SECRET)
    if request.param == "mysql":
        return request.getfixturevalue("mysql_server")  # type: ignore[no-any-return]
    return SqliteServer(tmp_path)


@pytest.fixture
def base(server: Server) -> Iterator[str]:
    name = f"dbft_{uuid.uuid4().hex[:8]}"
    yield name
    server.drop_all(name)
