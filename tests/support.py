"""Helpers shared by the test modules: the planted password and inner pytest runs."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
from psycopg import sql

from dbfleet.marker import Marker, Run, process_space

SECRET = "hunter2-Pa55word"

#: What an inner pytest must not inherit from the run that starts it: this run's xdist and
#: dbfleet state, the URLs it exported, and the CI job summary it would otherwise append to.
INHERITED = (
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
    "DBFLEET_CONTROLLER",
    "DBFLEET_URL",
    "DBFLEET_MIGRATE",
    "DBFLEET_ISOLATION",
    "DBFLEET_CHECK_LEAKS",
    "DATABASE_URL",
    "DBFLEET_WORKER_PID",
    "GITHUB_STEP_SUMMARY",
)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An inner pytest session in a subprocess; fails the test if the password shows anywhere."""
    result = pytester.runpytest_subprocess(*args, timeout=180)
    output = "\n".join(result.outlines + result.errlines)
    assert SECRET not in output, "the password leaked into pytest's output"
    return result


def create_database(
    admin: psycopg.Connection[tuple[object, ...]], name: str, marker: Marker | None
) -> None:
    """A database made by hand, optionally carrying a marker, as another run would leave it."""
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    if marker is not None:
        admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(marker.to_json())
            )
        )


def dead_run() -> Run:
    """A run on this host whose process has exited: what a crashed run looks like."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return Run("deadrun00001", Run.current().host, process.pid, process_space())


def marker_of(admin: psycopg.Connection[tuple[object, ...]], name: str) -> str | None:
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    return None if row is None else (None if row[0] is None else str(row[0]))
