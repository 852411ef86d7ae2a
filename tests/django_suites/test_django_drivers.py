"""A Django project on psycopg2 stays on psycopg2 with dbfleet, which needs nothing else."""

from __future__ import annotations

import importlib.util

import pytest

from backends.blocking import without
from backends.servers import Server
from support import run

pytestmark = pytest.mark.django

DRIVERS = """
import sys

import pytest
from django.db import connection


@pytest.mark.django_db
def test_django_and_dbfleet_run_on_psycopg2_alone():
    connection.ensure_connection()
    assert type(connection.connection).__module__.startswith("psycopg2")
    assert sys.modules.get("psycopg") is None
"""


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_a_psycopg2_project_is_provisioned_without_psycopg_3(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if importlib.util.find_spec("psycopg2") is None:
        pytest.skip("psycopg2 is not installed here (the test extra installs psycopg2-binary)")
    django_project.makepyfile(test_drivers=DRIVERS)
    result = run(django_project, *without(django_project, monkeypatch, ["psycopg"]))
    result.assert_outcomes(passed=11)
    result.stdout.fnmatch_lines(["*1 test database(s) cloned*"])
