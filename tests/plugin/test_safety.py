"""Ownership: only marked databases are ever dropped; live runs are never taken over."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg import sql

from dbfleet.marker import Marker, Run, process_space
from support import create_database, dead_run, marker_of, run

TESTS = "def test_uses_db(dbfleet_url):\n    pass\n"


def test_unmarked_database_is_never_dropped_and_the_refused_run_builds_nothing(
    project: pytest.Pytester,
    admin: psycopg.Connection[tuple[object, ...]],
    base_name: str,
    databases: Callable[[], set[str]],
) -> None:
    create_database(admin, base_name, None)
    with psycopg.connect(admin.info.dsn.replace("dbname=postgres", f"dbname={base_name}")) as own:
        own.execute("CREATE TABLE precious (v text)")
        own.execute("INSERT INTO precious VALUES ('keep me')")
    project.makepyfile(test_db=TESTS)
    result = run(project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: dbfleet: database {base_name} exists but was not created by dbfleet*"]
    )
    with psycopg.connect(admin.info.dsn.replace("dbname=postgres", f"dbname={base_name}")) as own:
        assert own.execute("SELECT v FROM precious").fetchall() == [("keep me",)]
    # Every name is checked before anything is created: no template was built for this run.
    assert databases() == {base_name}


def test_a_user_comment_is_not_a_marker(
    project: pytest.Pytester, admin: psycopg.Connection[tuple[object, ...]], base_name: str
) -> None:
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(base_name)))
    admin.execute(
        sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(base_name), sql.Literal('{"kind": "worker", "note": "mine"}')
        )
    )
    project.makepyfile(test_db=TESTS)
    assert run(project).ret == pytest.ExitCode.USAGE_ERROR
    assert marker_of(admin, base_name) == '{"kind": "worker", "note": "mine"}'


def test_leftover_of_a_crashed_run_is_replaced(
    project: pytest.Pytester,
    admin: psycopg.Connection[tuple[object, ...]],
    base_name: str,
    databases: Callable[[], set[str]],
) -> None:
    crashed = dead_run()
    create_database(admin, f"{base_name}_gw0", Marker.new("worker", base_name, "0" * 64, crashed))
    project.makepyfile(test_db=TESTS)
    run(project, "-n", "2").assert_outcomes(passed=1)
    assert {name for name in databases() if "_tpl_" not in name} == set()


@pytest.mark.parametrize(
    ("held", "args"),
    [("", ()), ("_gw1", ("-n", "2"))],
    ids=["serial", "controller-before-workers-start"],
)
def test_a_name_a_live_run_holds_is_not_taken_over_the_run_takes_a_namespace(
    project: pytest.Pytester,
    admin: psycopg.Connection[tuple[object, ...]],
    base_name: str,
    held: str,
    args: tuple[str, ...],
) -> None:
    live = Run("liverun00001", Run.current().host, Run.current().pid, process_space())
    create_database(admin, base_name + held, Marker.new("worker", base_name, "0" * 64, live))
    project.makepyfile(test_db=TESTS)
    result = run(project, *args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*(namespace *: {base_name}{held} is held by a live run)*"])
    # No worker crashed and was replaced under another id.
    assert "[gw2]" not in result.stdout.str()
    assert "crashed" not in result.stdout.str()
    assert '"liverun00001"' in (marker_of(admin, base_name + held) or "")


def test_an_explicit_namespace_held_by_a_live_run_is_one_line(
    project: pytest.Pytester, admin: psycopg.Connection[tuple[object, ...]], base_name: str
) -> None:
    live = Run("liverun00004", Run.current().host, Run.current().pid, process_space())
    create_database(admin, f"{base_name}_ci3", Marker.new("worker", base_name, "0" * 64, live))
    project.makepyfile(test_db=TESTS)
    result = run(project, "--dbfleet-namespace", "ci3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: dbfleet: database {base_name}_ci3 belongs to another run that is still going*"]
    )
    assert "Traceback" not in result.stderr.str()
    assert '"liverun00004"' in (marker_of(admin, base_name + "_ci3") or "")


def test_database_of_a_run_on_another_host_is_not_taken_over(
    project: pytest.Pytester, admin: psycopg.Connection[tuple[object, ...]], base_name: str
) -> None:
    elsewhere = Run("otherhost001", "ci-runner-elsewhere", 1)
    create_database(admin, base_name, Marker.new("worker", base_name, "0" * 64, elsewhere))
    project.makepyfile(test_db=TESTS)
    run(project).assert_outcomes(passed=1)  # in a namespace of its own
    assert '"otherhost001"' in (marker_of(admin, base_name) or "")


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
