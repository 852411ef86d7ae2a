"""The recipes the isolation docstring gives for rollback, run as an application would use them:
a FastAPI dependency override, and a sessionmaker the application builds itself."""

from __future__ import annotations

import pytest
from inner_projects import run_inner

APP = """
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("sqlite://")  # replaced by the tests; the app never touches it here
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_session():
    with SessionLocal() as session:
        yield session


@app.post("/items/{name}")
def create_item(name: str, session: Session = Depends(get_session)):
    session.execute(text("INSERT INTO item (name) VALUES (:name)"), {"name": name})
    session.commit()
    return {"count": session.execute(text("SELECT count(*) FROM item")).scalar()}


def rename_everything(to: str) -> None:
    with SessionLocal() as session:
        session.execute(text("UPDATE item SET name = :to"), {"to": to})
        session.commit()
"""

TESTS = """
import warnings

import pytest
from sqlalchemy import text

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's own notes about its test client's backend
    from fastapi.testclient import TestClient

import app

pytestmark = pytest.mark.dbfleet(isolation="rollback")


@pytest.fixture
def client(dbfleet_session):
    app.app.dependency_overrides[app.get_session] = lambda: dbfleet_session
    yield TestClient(app.app)
    app.app.dependency_overrides.clear()


@pytest.fixture
def app_sessions(dbfleet_connection):
    app.SessionLocal.configure(bind=dbfleet_connection, join_transaction_mode="create_savepoint")
    yield
    app.SessionLocal.configure(bind=app.engine, join_transaction_mode="conditional_savepoint")


def test_1_the_endpoint_commits(client):
    assert client.post("/items/a").json() == {"count": 3}
    assert client.post("/items/b").json() == {"count": 4}


def test_2_the_app_commits_through_its_own_sessionmaker(app_sessions, dbfleet_connection):
    app.rename_everything("renamed")
    names = dbfleet_connection.execute(text("SELECT DISTINCT name FROM item")).scalars().all()
    assert names == ["renamed"]


def test_3_sees_the_template(dbfleet_connection):
    names = dbfleet_connection.execute(text("SELECT name FROM item ORDER BY id")).scalars()
    assert names.all() == ["seed-1", "seed-2"]
"""

COMMITS_OUTER = """
import pytest
from sqlalchemy import text

@pytest.mark.dbfleet(isolation="rollback")
def test_commits_the_connection_itself(dbfleet_connection):
    dbfleet_connection.execute(text("INSERT INTO item (name) VALUES ('escaped')"))
    dbfleet_connection.commit()
"""


def test_fastapi_override_and_app_sessionmaker_are_rolled_back(
    pg_project: pytest.Pytester,
) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    pg_project.makepyfile(app=APP, test_app=TESTS)
    run_inner(pg_project).assert_outcomes(passed=3)


def test_committing_the_outer_transaction_is_reported(pg_project: pytest.Pytester) -> None:
    pg_project.makepyfile(test_outer=COMMITS_OUTER)
    result = run_inner(pg_project)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*committed dbfleet_connection's outer transaction itself, so isolation rollback*"]
    )


SESSION_OPTIONS = """
import pytest
from sqlalchemy import text

@pytest.fixture
def dbfleet_session_options():
    return {"expire_on_commit": False, "info": {"from": "conftest"}}

@pytest.mark.dbfleet(isolation="rollback")
def test_the_session_takes_the_apps_options(dbfleet_session):
    assert dbfleet_session.expire_on_commit is False
    assert dbfleet_session.info == {"from": "conftest"}
    dbfleet_session.execute(text("INSERT INTO item (name) VALUES ('x')"))
    dbfleet_session.commit()

def test_and_rollback_still_undoes_its_commit(dbfleet_connection):
    assert dbfleet_connection.execute(text("SELECT count(*) FROM item")).scalar() == 2
"""


def test_session_options_reach_dbfleets_sessions(pg_project: pytest.Pytester) -> None:
    pg_project.makepyfile(test_options=SESSION_OPTIONS)
    run_inner(pg_project, "-p", "no:randomly").assert_outcomes(passed=2)
