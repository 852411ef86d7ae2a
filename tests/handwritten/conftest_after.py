import pytest


@pytest.fixture
def dbfleet_session_options():
    return {"expire_on_commit": False}


@pytest.fixture
def session(dbfleet_session):
    return dbfleet_session
