"""The core scenarios on every backend: same names, same safety, same errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from servers import Server

from dbfleet.backends import open_backend
from dbfleet.cli import main
from dbfleet.fingerprint import fingerprint
from dbfleet.fleet import Template, ensure_template, provision
from dbfleet.marker import Marker, Run, process_space
from dbfleet.migrate import parse_migrator
from dbfleet.urls import parse_url
from support import SCHEMA, SECRET, dead_run, run, seeded_suite


@pytest.fixture
def suite(
    pytester: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    return seeded_suite(pytester, server.url(base), monkeypatch)


def _seen(pytester: pytest.Pytester) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for path in pytester.path.glob("seen-*.json"):
        seen.setdefault(path.name.split("-")[1], set()).add(json.loads(path.read_text()))
    return seen


def _not_templates(server: Server, base: str) -> set[str]:
    return {name for name in server.names(base) if "_tpl_" not in name}


def test_serial_run_uses_the_base_name(suite: pytest.Pytester, base: str) -> None:
    run(suite).assert_outcomes(passed=3)
    assert _seen(suite) == {"master": {base}}


def test_each_worker_gets_its_own_database_and_all_are_removed(
    suite: pytest.Pytester, server: Server, base: str
) -> None:
    run(suite, "-n", "2").assert_outcomes(passed=3)
    seen = _seen(suite)
    assert set(seen) <= {"gw0", "gw1"}
    for worker, names in seen.items():
        assert names == {f"{base}_{worker}"}
    assert _not_templates(server, base) == set()
    assert len(server.names(base)) == 1


def test_the_controller_drops_every_workers_database_after_they_exit(
    suite: pytest.Pytester, server: Server, base: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    result = run(suite, "-n", "2", "-v", f"--dbfleet-report={report}")
    result.assert_outcomes(passed=3)
    # The workers leave their databases: the controller's cleanup is what dropped them.
    cleanup = json.loads(report.read_text())["cleanup"]
    assert cleanup["dropped"] == [f"{base}_gw0", f"{base}_gw1"]
    assert _not_templates(server, base) == set()
    result.stdout.fnmatch_lines(["after the last test *all workers exited *s after the last test"])


def test_a_worker_killed_mid_run_still_has_its_database_dropped(
    suite: pytest.Pytester, server: Server, base: str, tmp_path: Path
) -> None:
    suite.makepyfile(
        test_crash="""
        import os

        def test_dies(dbfleet_database):
            with open("crashed.txt", "w") as out:
                out.write(dbfleet_database.name)
            os._exit(1)
        """
    )
    report = tmp_path / "report.json"
    result = run(suite, "-n", "2", f"--dbfleet-report={report}")
    result.assert_outcomes(passed=3, failed=1)
    crashed = (suite.path / "crashed.txt").read_text()
    assert crashed in json.loads(report.read_text())["cleanup"]["dropped"]
    assert _not_templates(server, base) == set()


def test_the_template_is_reused_and_rebuilt_when_the_schema_changes(
    suite: pytest.Pytester, server: Server, base: str
) -> None:
    run(suite).stdout.fnmatch_lines(["*template *_tpl_* built in*"])
    first = server.names(base)
    run(suite, "-n", "2").stdout.fnmatch_lines(["*template *_tpl_* reused*"])
    (suite.path / "schema.sql").write_text(
        SCHEMA + "\nCREATE TABLE extra (id INTEGER PRIMARY KEY);\n"
    )
    run(suite).stdout.fnmatch_lines(["*template *_tpl_* built in*"])
    second = server.names(base)
    assert len(first) == 1
    assert len(second) == 2  # the old template kept for a switch back
    assert first < second


def test_a_users_own_database_is_never_dropped(
    suite: pytest.Pytester, server: Server, base: str
) -> None:
    server.plant(base, None)
    result = run(suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: dbfleet: database {base} exists but was not created by dbfleet*"]
    )
    assert server.precious(base) == [("keep me",)]


def test_a_crashed_runs_leftover_is_replaced(
    suite: pytest.Pytester, server: Server, base: str
) -> None:
    server.plant(f"{base}_gw0", Marker.new("worker", base, "0" * 64, dead_run()))
    run(suite, "-n", "2").assert_outcomes(passed=3)
    assert _not_templates(server, base) == set()


def test_a_live_runs_database_is_not_taken_over_and_the_run_takes_a_namespace(
    suite: pytest.Pytester, server: Server, base: str
) -> None:
    live = Run("liverun00003", Run.current().host, Run.current().pid, process_space())
    server.plant(base, Marker.new("worker", base, "0" * 64, live))
    result = run(suite)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"dbfleet: * (namespace *: {base} is held by a live run)*"])
    assert server.precious(base) == [("keep me",)]
    assert _not_templates(server, base) == {base}


def test_a_failing_migration_leaves_nothing_behind(
    suite: pytest.Pytester, server: Server, base: str
) -> None:
    (suite.path / "schema.sql").write_text("CREATE TABLEX broken (id INTEGER);")
    result = run(suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1
    assert "schema.sql" in errors[0]
    assert "Traceback" not in result.stderr.str()
    assert server.names(base) == set()


def test_long_names_fit_the_servers_limit(
    suite: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_base = base + "_" + "x" * server.name_limit
    monkeypatch.setenv("DBFLEET_URL", server.url(long_base))
    run(suite, "-n", "2").assert_outcomes(passed=3)
    for names in _seen(suite).values():
        (name,) = names
        assert len(name.encode()) <= server.name_limit
    assert _not_templates(server, base) == set()


def test_list_and_gc_work_and_never_touch_unmarked(
    suite: pytest.Pytester, server: Server, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(suite).assert_outcomes(passed=3)
    server.plant(f"{base}_gw7", Marker.new("worker", base, "0" * 64, dead_run()))
    server.plant(f"{base}_mine", None)
    url = server.url(base)
    assert main(["list", "--url", url]) == 0
    listed = capsys.readouterr().out
    assert SECRET not in listed
    assert f"{base}_gw7" in listed
    assert f"{base}_mine" not in listed
    assert main(["gc", "--url", url]) == 0
    assert f"dropped {base}_gw7" in capsys.readouterr().out
    remaining = server.names(base)
    assert f"{base}_mine" in remaining
    assert f"{base}_gw7" not in remaining


def test_wrong_password_is_one_clear_line(
    suite: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if server.kind != "mysql":
        pytest.skip(f"{server.kind} here accepts any password (trust auth / no auth)")
    monkeypatch.setenv("DBFLEET_URL", server.url(base).replace(SECRET, SECRET + "-wrong"))
    result = run(suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: dbfleet: MySQL at * refused the credentials of user 'dbfleet_test'*"]
    )
    assert "wrong" not in result.stderr.str()


def test_a_clone_made_ahead_by_the_run_is_adopted_never_dropped(
    server: Server, base: str, tmp_path: Path
) -> None:
    """The Django controller clones its workers' databases ahead (``adopt``): a clone of the
    same template by the same run is taken as it is; another run's, or another template's, is
    not."""
    backend = open_backend(parse_url(server.url(base)))
    try:
        run_ = Run.current()
        migrator = parse_migrator(None, tmp_path)
        digest = fingerprint(
            migrate_spec="", sources=[], extra_globs=(), rootdir=tmp_path, server_version="x"
        )
        template = ensure_template(
            backend, migrator=migrator, fingerprint=digest, run=run_, environ={}, export=()
        )
        first = provision(backend, worker_id="gw0", template=template, run=run_, adopt=True)
        signed = backend.marker(first.name)
        again = provision(backend, worker_id="gw0", template=template, run=run_, adopt=True)
        assert again.name == first.name
        assert backend.marker(first.name) == signed  # the same database, not a new clone
        other = Template(template.name, "another-fingerprint", True, 0.0)
        provision(backend, worker_id="gw0", template=other, run=run_, adopt=True)
        assert backend.marker(first.name) != signed  # another template's clone is replaced
    finally:
        backend.close()
