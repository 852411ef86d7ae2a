"""Fixtures for the isolation tests: a server of each kind, a base name, an inner project."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from inner_projects import make_project
from sqlalchemy.engine import URL

from backends.servers import PostgresServer, Server, SqliteServer
from support import SECRET


def _server(request: pytest.FixtureRequest, kind: str, pg_server: URL, tmp_path: Path) -> Server:
    if kind == "postgresql":
        return PostgresServer(pg_server, SECRET)
    if kind == "mysql":
        return request.getfixturevalue("mysql_server")  # type: ignore[no-any-return]
    return SqliteServer(tmp_path)


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def server(request: pytest.FixtureRequest, pg_server: URL, tmp_path: Path) -> Server:
    """Every database kind dbfleet supports."""
    return _server(request, request.param, pg_server, tmp_path)


@pytest.fixture
def pg(request: pytest.FixtureRequest, pg_server: URL, tmp_path: Path) -> Server:
    """PostgreSQL only: for what the other kinds do not have (the pool's crash safety…)."""
    return _server(request, "postgresql", pg_server, tmp_path)


@pytest.fixture
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    """A base name of the test's own; everything under it is dropped afterwards."""
    name = f"dbfi_{uuid.uuid4().hex[:8]}"
    yield name
    for fixture in ("server", "pg"):
        if fixture in request.fixturenames:
            request.getfixturevalue(fixture).drop_all(name)


@pytest.fixture
def project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Server, base: str
) -> pytest.Pytester:
    return make_project(pytester, monkeypatch, server, base)


@pytest.fixture
def pg_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, pg: Server, base: str
) -> pytest.Pytester:
    return make_project(pytester, monkeypatch, pg, base)
