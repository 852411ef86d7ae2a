import os

import pytest
from app.models import Base
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

BASE_URL = make_url(os.environ["DATABASE_URL"])


def worker_url():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    if worker == "master":
        return BASE_URL
    return BASE_URL.set(database=f"{BASE_URL.database}_{worker}")


@pytest.fixture(scope="session")
def engine():
    url = worker_url()
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    engine = create_engine(url.render_as_string(hide_password=False), poolclass=NullPool)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def clean_database(engine):
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session
