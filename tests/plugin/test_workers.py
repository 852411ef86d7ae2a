"""One database per worker: names, export before conftest import, cleanup, --dbfleet-keep."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support import run

SCHEMA = "CREATE TABLE item (id serial PRIMARY KEY, name text);\nINSERT INTO item (name) VALUES ('seed');\n"

# Each test records which database it ran in and what DATABASE_URL said at conftest import.
RECORDING_CONFTEST = """
import os
SEEN_AT_IMPORT = os.environ.get("DATABASE_URL")
"""

RECORDING_TESTS = """
import os
import psycopg
import pytest
from conftest import SEEN_AT_IMPORT

@pytest.mark.parametrize("n", range(4))
def test_sees_own_database(n, dbfleet_database, dbfleet_url):
    assert SEEN_AT_IMPORT == dbfleet_url == os.environ["DATABASE_URL"]
    with psycopg.connect(dbfleet_url.replace("postgresql+psycopg", "postgresql")) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == dbfleet_database.name
        assert conn.execute("SELECT name FROM item").fetchall() == [("seed",)]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    print("DB", worker, dbfleet_database.name)
    with open(f"seen-{worker}-{n}.txt", "w") as out:
        out.write(dbfleet_database.name)
"""


@pytest.fixture
def recording(project: pytest.Pytester) -> pytest.Pytester:
    project.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\n")
    (project.path / "schema.sql").write_text(SCHEMA)
    project.makeconftest(RECORDING_CONFTEST)
    project.makepyfile(test_db=RECORDING_TESTS)
    return project


def _dbfleet_lines(result: pytest.RunResult) -> list[str]:
    """The header line and summary section dbfleet prints when it is active."""
    return [line for line in result.outlines if line.startswith("dbfleet:") or " dbfleet " in line]


def _seen(pytester: pytest.Pytester) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for path in pytester.path.glob("seen-*.txt"):
        seen.setdefault(path.name.split("-")[1], set()).add(path.read_text())
    return seen


def test_serial_run_uses_the_base_name(recording: pytest.Pytester, base_name: str) -> None:
    result = run(recording)
    result.assert_outcomes(passed=4)
    assert _seen(recording) == {"master": {base_name}}


def test_each_xdist_worker_gets_its_own_database(
    recording: pytest.Pytester, base_name: str
) -> None:
    result = run(recording, "-n", "2")
    result.assert_outcomes(passed=4)
    seen = _seen(recording)
    assert set(seen) == {"gw0", "gw1"}
    assert seen == {"gw0": {f"{base_name}_gw0"}, "gw1": {f"{base_name}_gw1"}}


def test_worker_databases_are_dropped_and_the_template_kept(
    recording: pytest.Pytester, base_name: str, databases: Callable[[], set[str]]
) -> None:
    run(recording, "-n", "2").assert_outcomes(passed=4)
    left = databases()
    assert len(left) == 1
    assert left.pop().startswith(f"{base_name}_tpl_")


def test_keep_leaves_worker_databases_for_debugging(
    recording: pytest.Pytester, base_name: str, databases: Callable[[], set[str]]
) -> None:
    result = run(recording, "-n", "2", "--dbfleet-keep")
    result.assert_outcomes(passed=4)
    assert {f"{base_name}_gw0", f"{base_name}_gw1"} <= databases()
    result.stdout.fnmatch_lines(
        [f"*kept (--dbfleet-keep): postgresql://postgres:***@*/{base_name}_gw0, *{base_name}_gw1"]
    )


def test_long_base_names_are_shortened_and_still_cleaned_up(
    recording: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    base_name: str,
    databases: Callable[[], set[str]],
) -> None:
    long_base = base_name + "_" + "x" * 70
    monkeypatch.setenv("DBFLEET_URL", base_url.replace(base_name, long_base))
    run(recording).assert_outcomes(passed=4)
    run(recording, "-n", "2").assert_outcomes(passed=4)
    (seen,) = _seen(recording)["gw0"]
    assert len(seen.encode()) <= 63
    assert {name for name in databases() if "_tpl_" not in name} == set()


def test_driver_part_of_the_url_is_kept_in_the_export(
    recording: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    monkeypatch.setenv("DBFLEET_URL", base_url.replace("postgresql://", "postgresql+psycopg://"))
    recording.makepyfile(
        test_driver="""
        import os
        def test_driver(dbfleet_url):
            assert os.environ["DATABASE_URL"].startswith("postgresql+psycopg://")
        """
    )
    run(recording, "-n", "2").assert_outcomes(passed=5)


def test_export_names_are_configurable(recording: pytest.Pytester) -> None:
    recording.makeini(
        "[pytest]\ndbfleet_migrate = sql:schema.sql\ndbfleet_export = APP_DB OTHER_DB\n"
    )
    recording.makepyfile(
        test_export="""
        import os
        def test_both_names_set(dbfleet_url):
            assert os.environ["APP_DB"] == os.environ["OTHER_DB"] == dbfleet_url
            assert "DATABASE_URL" not in os.environ
        """
    )
    run(recording, "-k", "both_names").assert_outcomes(passed=1)


def test_header_names_the_database_without_the_password(
    recording: pytest.Pytester, base_name: str
) -> None:
    result = run(recording, "--collect-only")
    result.stdout.fnmatch_lines(
        [f"dbfleet: postgresql://postgres:***@*/{base_name} (from DBFLEET_URL) -> {base_name}*"]
    )


def test_plugin_is_inactive_without_a_url(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBFLEET_URL")
    project.makepyfile("def test_plain(): pass")
    result = run(project)
    result.assert_outcomes(passed=1)
    assert not _dbfleet_lines(result)


def test_p_no_dbfleet_disables_the_plugin(recording: pytest.Pytester) -> None:
    recording.makepyfile(test_db="def test_plain(): pass")
    result = run(recording, "-p", "no:dbfleet")
    result.assert_outcomes(passed=1)
    assert not _dbfleet_lines(result)


def test_fixture_explains_an_inactive_plugin(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBFLEET_URL")
    project.makepyfile("def test_needs_db(dbfleet_url): pass")
    result = run(project)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*dbfleet is not active: set DATABASE_URL, DBFLEET_URL*"])


def test_crashed_worker_leaves_nothing_behind(
    recording: pytest.Pytester, base_name: str, databases: Callable[[], set[str]]
) -> None:
    recording.makepyfile(
        test_crash="""
        import os
        def test_crash(dbfleet_url):
            os._exit(1)
        """
    )
    result = run(recording, "-n", "2")
    result.assert_outcomes(passed=4, failed=1)
    assert {name for name in databases() if "_tpl_" not in name} == set()


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


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["serial", "n2"])
def test_a_project_with_only_database_url_gets_a_database_per_worker(
    recording: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    base_name: str,
    args: tuple[str, ...],
) -> None:
    monkeypatch.delenv("DBFLEET_URL")
    monkeypatch.setenv("DATABASE_URL", base_url)
    result = run(recording, *args)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([f"dbfleet: *{base_name} (from DATABASE_URL) -> *"])
    expected = (
        {"master": {base_name}}
        if not args
        else {
            "gw0": {f"{base_name}_gw0"},
            "gw1": {f"{base_name}_gw1"},
        }
    )
    assert _seen(recording) == expected


def test_dbfleet_url_env_reads_the_named_variable(
    recording: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str, base_name: str
) -> None:
    monkeypatch.delenv("DBFLEET_URL")
    monkeypatch.setenv("APP_TEST_DB", base_url)
    recording.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\ndbfleet_url = env:APP_TEST_DB\n")
    result = run(recording, "-n", "2")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [f"dbfleet: *{base_name} (from APP_TEST_DB (dbfleet_url = env:APP_TEST_DB)) -> *"]
    )


def test_dbfleet_state_is_quiet_and_ignored_by_version_control(recording: pytest.Pytester) -> None:
    # An application that logs everything at DEBUG through the root logger.
    recording.makeconftest(
        RECORDING_CONFTEST
        + "\nimport logging, sys\n"
        + "logging.basicConfig(level=logging.DEBUG, stream=sys.__stderr__, force=True)\n"
    )
    result = run(recording, "-n", "2")
    result.assert_outcomes(passed=4)
    assert "filelock" not in result.stderr.str()
    assert (recording.path / ".dbfleet" / "durations.json").is_file()
    ignore = (recording.path / ".dbfleet" / ".gitignore").read_text()
    assert ignore.splitlines()[-1] == "*"
