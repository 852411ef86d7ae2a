"""The ``server`` fixture: every test here runs on PostgreSQL, MySQL/MariaDB and SQLite.

MySQL/MariaDB comes from ``DBFLEET_TEST_MYSQL_URL`` (default: this machine's root at
127.0.0.1:3306); the tests create a user with a password there, so that leaks of a real,
checked password are caught too. Without a reachable server those cases skip, saying why.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import PostgresServer, Server, SqliteServer
from sqlalchemy.engine import URL

from support import SECRET


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
