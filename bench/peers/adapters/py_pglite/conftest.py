"""py-pglite as its README sets it up for SQLAlchemy: its ``pglite_session`` (one PGlite per
worker, started by Node.js; every table truncated before each test). The tables are created once
on its ``pglite_engine``. ``work_dir`` (its README's "Production Configuration") keeps the npm
packages between runs, one folder per worker, instead of a fresh ``npm install`` each session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from models import Base
from py_pglite import PGliteConfig


@pytest.fixture(scope="session")
def pglite_config():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return PGliteConfig(work_dir=Path(os.environ["PEERS_PGLITE_WORK"]) / worker, timeout=120)


@pytest.fixture(scope="session")
def schema(pglite_engine):
    Base.metadata.create_all(pglite_engine)


@pytest.fixture
def session(schema, pglite_session):
    return pglite_session
