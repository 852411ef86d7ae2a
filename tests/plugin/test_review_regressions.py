"""Regressions found in review: each test failed before its fix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from dbfleet.backends import open_backend
from dbfleet.fingerprint import fingerprint
from dbfleet.fleet import ensure_template
from dbfleet.marker import Marker, Run, process_space
from dbfleet.migrate import parse_migrator
from support import SECRET, create_database, marker_of, run

TESTS = "def test_uses_db(dbfleet_url):\n    pass\n"


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


def test_auto_resolving_to_no_workers_runs_serially_on_its_own_database(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_name: str
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "0")
    project.makepyfile(
        test_name=f"""
        def test_name(dbfleet_database):
            assert dbfleet_database.name == "{base_name}"
        """
    )
    run(project, "-n", "auto").assert_outcomes(passed=1)


def test_controller_takes_a_namespace_before_starting_workers_when_a_live_run_holds_a_name(
    project: pytest.Pytester, admin: psycopg.Connection[tuple[object, ...]], base_name: str
) -> None:
    live = Run("liverun00002", Run.current().host, Run.current().pid, process_space())
    create_database(admin, f"{base_name}_gw1", Marker.new("worker", base_name, "0" * 64, live))
    project.makepyfile(test_db=TESTS)
    result = run(project, "-n", "2")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*(namespace *: {base_name}_gw1 is held by a live run)*"])
    # No worker crashed and was replaced under another id.
    assert "[gw2]" not in result.stdout.str()
    assert "crashed" not in result.stdout.str()
    assert '"liverun00002"' in (marker_of(admin, f"{base_name}_gw1") or "")


def test_a_dead_owners_database_still_in_use_is_not_dropped(
    project: pytest.Pytester, admin: psycopg.Connection[tuple[object, ...]], base_name: str
) -> None:
    # Owner looks dead from here (another container's pid namespace reuses pids), yet a
    # session is connected: that database is in use and must survive.
    ghost = Run("ghostrun0001", Run.current().host, 2**22 + 7, process_space())
    create_database(admin, base_name, Marker.new("worker", base_name, "0" * 64, ghost))
    dsn = admin.info.dsn.replace("dbname=postgres", f"dbname={base_name}")
    with psycopg.connect(dsn) as user:
        project.makepyfile(test_db=TESTS)
        result = run(project)
        result.assert_outcomes(passed=1)  # in a namespace of its own
        result.stdout.fnmatch_lines([f"*(namespace *: {base_name} is held by a live run)*"])
        assert user.execute("SELECT 1").fetchone() == (1,)


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


def _ensure(url: str, root: Path, schema: str) -> tuple[object, str]:
    (root / "schema.sql").write_text(schema)
    migrator = parse_migrator("sql:schema.sql", root)
    backend = open_backend(make_url(url))
    template = ensure_template(
        backend,
        migrator=migrator,
        fingerprint=fingerprint(
            migrate_spec=migrator.spec,
            sources=migrator.sources(),
            extra_globs=(),
            rootdir=root,
            server_version=backend.server_version(),
        ),
        run=Run.current(),
        environ={},
        export=("DATABASE_URL",),
    )
    return backend, template.name


def test_a_template_a_live_run_uses_is_not_dropped_as_stale(
    base_url: str, tmp_path: Path, databases: object
) -> None:
    old_backend, old = _ensure(base_url, tmp_path, "CREATE TABLE a (id int);")
    new_backend, new = _ensure(base_url, tmp_path, "CREATE TABLE b (id int);")
    assert {old, new} <= databases()  # type: ignore[operator]
    old_backend.close()  # type: ignore[attr-defined]
    new_backend.close()  # type: ignore[attr-defined]
    again, _ = _ensure(base_url, tmp_path, "CREATE TABLE b (id int);")
    again.close()  # type: ignore[attr-defined]
    assert old not in databases()  # type: ignore[operator]
