"""dbfleet as its README sets it up: the ini names the server and the builder; the isolation
level comes from the command line (``--dbfleet-isolation``), and ``dbfleet_session`` is the
session the suite asks for."""

from __future__ import annotations

import pytest


@pytest.fixture
def session(dbfleet_session):
    return dbfleet_session


@pytest.fixture
def async_session(dbfleet_async_session):
    return dbfleet_async_session
