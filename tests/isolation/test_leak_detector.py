"""``--dbfleet-check-leaks``: a planted leak is named with its test; a clean suite stays quiet."""

from __future__ import annotations

import pytest
from inner_projects import run_inner

SUITE = """
import pytest
from sqlalchemy import text


def test_reads(dbfleet_connection):
    assert dbfleet_connection.execute(text("SELECT count(*) FROM item")).scalar() >= 2


@pytest.mark.dbfleet(isolation="rollback")
def test_writes_inside_rollback(dbfleet_session):
    dbfleet_session.execute(text("INSERT INTO item (name) VALUES ('undone')"))
    dbfleet_session.commit()


@pytest.mark.dbfleet(isolation="reset")
def test_writes_under_reset(dbfleet_engine):
    with dbfleet_engine.begin() as conn:
        conn.execute(text("INSERT INTO item (name) VALUES ('reset away')"))
"""

PLANTED = """
from sqlalchemy import text


def test_plants_a_leak(dbfleet_engine):
    with dbfleet_engine.begin() as conn:
        conn.execute(text("INSERT INTO item (name) VALUES ('left'), ('behind')"))
        conn.execute(text("DELETE FROM tag"))
"""


def test_a_clean_suite_reports_no_leak(project: pytest.Pytester) -> None:
    project.makepyfile(test_clean=SUITE)
    result = run_inner(project, "--dbfleet-check-leaks=fail", "-n", "2")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*no test leaked rows*"])
    result.stdout.no_fnmatch_line("*leaked rows:*")


def test_a_planted_leak_is_named_with_its_test_and_tables(project: pytest.Pytester) -> None:
    project.makepyfile(test_clean=SUITE, test_planted=PLANTED)
    result = run_inner(project, "--dbfleet-check-leaks", "-n", "2")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*= dbfleet =*",
            "*1 test(s) leaked rows:",
            "  test_planted.py::test_plants_a_leak: item +2 rows, tag -1 row",
        ]
    )


def test_fail_makes_a_leak_an_error_of_the_leaking_test(project: pytest.Pytester) -> None:
    project.makepyfile(test_clean=SUITE, test_planted=PLANTED)
    result = run_inner(project, "--dbfleet-check-leaks=fail")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_plants_a_leak*",
            "*dbfleet: test_planted.py::test_plants_a_leak leaked rows: item +2 rows, tag -1 row*",
        ]
    )


def test_the_leak_check_is_off_unless_asked(project: pytest.Pytester) -> None:
    project.makepyfile(test_planted=PLANTED)
    result = run_inner(project)
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*leaked*")
