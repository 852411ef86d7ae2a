"""py-pglite as its README sets it up for SQLAlchemy: its ``pglite_session`` (one PGlite per
worker, started by Node.js; every table truncated before each test). The tables are created once
on its ``pglite_engine``. ``work_dir`` (its README's "Production Configuration") keeps the npm
packages between runs, one folder per worker, instead of a fresh ``npm install`` each session;
the socket then needs a fixed path too, as py-pglite writes its ``pglite_manager.js`` (with the
socket's path in it) only when the folder has none, so one left by another configuration is
removed first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from models import Base
from py_pglite import PGliteConfig


@pytest.fixture(scope="session")
def pglite_config():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    work_dir = Path(os.environ["PEERS_PGLITE_WORK"]) / worker
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "pglite_manager.js").unlink(missing_ok=True)
    return PGliteConfig(work_dir=work_dir, socket_path=str(work_dir / ".s.PGSQL.5432"), timeout=120)


@pytest.fixture(scope="session")
def schema(pglite_engine):
    Base.metadata.create_all(pglite_engine)


@pytest.fixture
def session(schema, pglite_session):
    return pglite_session
