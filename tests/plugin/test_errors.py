"""Bad input: one clear line, a usage error before any test runs, no secret, nothing left behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from support import SECRET, run

TESTS = "def test_uses_db(dbfleet_url):\n    pass\n"


def _fails_with(result: pytest.RunResult, message: str) -> None:
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert message in errors[0], errors[0]
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            f"postgresql://postgres:{SECRET}@127.0.0.1:1/app_test",
            "cannot reach PostgreSQL at 127.0.0.1:1",
        ),
        (f"oracle://scott:{SECRET}@db/app", "unsupported database URL scheme 'oracle'"),
        (f"not a url {SECRET}", "cannot parse the database URL"),
        (f"postgresql://postgres:{SECRET}@127.0.0.1:5432", "names no database"),
    ],
    ids=["unreachable", "unsupported-scheme", "malformed", "no-database"],
)
def test_bad_url_is_one_clear_line(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv("DBFLEET_URL", url)
    project.makepyfile(test_db=TESTS)
    _fails_with(run(project), message)


def test_unknown_role_is_named(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    monkeypatch.setenv("DBFLEET_URL", base_url.replace("//postgres:", "//no_such_role:"))
    project.makepyfile(test_db=TESTS)
    _fails_with(run(project), "no_such_role")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("alembic", "no Alembic config at"),
        ("alembic:conf/missing.ini", "no Alembic config at"),
        ("sql:nowhere", "no SQL file or directory"),
        ("python:nomodule_here:build", "module 'nomodule_here' not found"),
        ("python:justamodule", "expected python:package.module:function"),
        ("flyway:up", "is not understood"),
    ],
)
def test_bad_migrate_setting_is_one_clear_line(
    project: pytest.Pytester, spec: str, message: str, databases: Callable[[], set[str]]
) -> None:
    project.makeini(f"[pytest]\ndbfleet_migrate = {spec}\n")
    project.makepyfile(test_db=TESTS)
    _fails_with(run(project), message)
    assert databases() == set()


def test_failing_sql_migration_leaves_no_half_built_template(
    project: pytest.Pytester, databases: Callable[[], set[str]]
) -> None:
    project.makeini("[pytest]\ndbfleet_migrate = sql:migrations\n")
    (project.path / "migrations").mkdir()
    (project.path / "migrations" / "001_ok.sql").write_text("CREATE TABLE a (id int);")
    (project.path / "migrations" / "002_bad.sql").write_text("CREATE TABLEX b (id int);")
    project.makepyfile(test_db=TESTS)
    result = run(project)
    _fails_with(result, "002_bad.sql")
    assert "syntax error" in result.stderr.str()
    assert databases() == set()


def test_failing_python_migration_leaves_no_half_built_template(
    project: pytest.Pytester, databases: Callable[[], set[str]]
) -> None:
    project.makeini("[pytest]\ndbfleet_migrate = python:schema:build\n")
    project.makepyfile(
        schema="""
        def build(url):
            raise RuntimeError("column clash in step 3 (url was " + url + ")")
        """,
        test_db=TESTS,
    )
    result = run(project, "-n", "2")
    _fails_with(result, "RuntimeError: column clash in step 3")
    assert databases() == set()


def test_failing_command_migration_is_reported(
    project: pytest.Pytester, databases: Callable[[], set[str]]
) -> None:
    project.makeini(
        "[pytest]\ndbfleet_migrate = cmd:echo migrate failed for $DATABASE_URL >&2; exit 3\n"
    )
    project.makepyfile(test_db=TESTS)
    result = run(project)
    _fails_with(result, "migrate failed for postgresql://postgres:***@")
    assert databases() == set()


def test_a_failing_test_shows_the_url_without_its_password(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_fail="""
        def test_fails(dbfleet_url):
            assert dbfleet_url == "something else"
        """
    )
    result = run(project, "-n", "2")  # run() fails the test if SECRET shows anywhere
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*postgresql://postgres:***@*"])


def test_help_works_with_an_unreachable_server(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBFLEET_URL", f"postgresql://u:{SECRET}@127.0.0.1:1/x")
    result = run(project, "--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*--dbfleet-url=URL*"])


def test_non_numeric_port_is_one_clear_line(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBFLEET_URL", f"postgresql://u:{SECRET}@127.0.0.1:54x2/x")
    project.makepyfile(test_db=TESTS)
    result = run(project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in result.stderr.str()
    result.stderr.fnmatch_lines(["ERROR: dbfleet: cannot parse the database URL*"])


@pytest.fixture
def role_without_createdb(
    admin: psycopg.Connection[tuple[object, ...]], base_name: str
) -> Iterator[str]:
    role = f"{base_name}_role"
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB").format(sql.Identifier(role)))
    yield role
    admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_missing_createdb_right_is_one_line_with_the_grant_to_run(
    project: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    role_without_createdb: str,
) -> None:
    monkeypatch.setenv(
        "DBFLEET_URL", base_url.replace("//postgres:", f"//{role_without_createdb}:")
    )
    project.makepyfile(test_db=TESTS)
    result = run(project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in result.stderr.str()
    result.stderr.fnmatch_lines(
        [
            f"ERROR: dbfleet: PostgreSQL refused to create database *permission denied*ALTER ROLE {role_without_createdb} CREATEDB*"
        ]
    )
