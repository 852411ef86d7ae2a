"""dbfleet bench on small synthetic suites, through ``main(argv)`` and real pytest runs."""

from __future__ import annotations

import fnmatch
import json
import sys

import pytest

from dbfleet.bench.compare import MISSING, Difference, differences
from dbfleet.bench.modes import MODES
from dbfleet.bench.result import BenchResult, ModeResult, render_markdown, render_terminal
from dbfleet.bench.runner import Run
from dbfleet.cli import main
from support import SECRET

SCHEMA = "CREATE TABLE event (id serial PRIMARY KEY, name text);"

WRITER = """
import psycopg

def test_writes(dbfleet_url):
    with psycopg.connect(dbfleet_url) as conn:
        conn.execute("INSERT INTO event (name) VALUES ('written by test_a')")
"""

# Passes only when test_a's file ran earlier in the same database: an order dependency that a
# serial run hides and a parallel run exposes.
READER = """
import psycopg

def test_reads_what_another_file_wrote(dbfleet_url):
    with psycopg.connect(dbfleet_url) as conn:
        assert conn.execute("SELECT count(*) FROM event").fetchone() == (1,)

def test_independent(dbfleet_url):
    assert dbfleet_url
"""


@pytest.fixture
def suite(project: pytest.Pytester) -> pytest.Pytester:
    project.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\n")
    (project.path / "schema.sql").write_text(SCHEMA)
    project.makepyfile(test_a=WRITER)
    return project


def test_bench_compares_modes_and_writes_json_and_markdown(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_b="def test_b(dbfleet_url):\n    assert dbfleet_url\n")
    out_json = suite.path / "bench.json"
    out_md = suite.path / "bench.md"
    argv = ["bench", str(suite.path), "--workers", "2", "--modes", "serial,naive,dbfleet"]
    code = main(
        [*argv, "--json", str(out_json), "--markdown", str(out_md), "--", "-p", "no:asyncio"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert SECRET not in captured.out + captured.err + out_json.read_text() + out_md.read_text()
    data = json.loads(out_json.read_text())
    assert data["schema"] == "dbfleet-bench/1"
    assert data["identical_outcomes"] is True
    assert [mode["name"] for mode in data["modes"]] == ["serial", "naive", "dbfleet"]
    serial, naive, dbfleet = data["modes"]
    assert serial["speedup"] == 1.0
    assert naive["runs"][0]["provisioning"]["mode"] == "migrate"
    assert dbfleet["runs"][0]["provisioning"]["template_reused"] is True
    assert len(dbfleet["runs"][0]["provisioning"]["database_seconds"]) == 2
    assert all(mode["totals"]["passed"] == 2 for mode in data["modes"])
    assert "| dbfleet -n 2 |" in out_md.read_text()
    assert "outcomes: identical to serial's in every mode" in captured.out
    # Every mode has the probe's timeline: efficiency and time to first test for each.
    assert all(mode["efficiency"] is not None for mode in data["modes"])
    assert all(mode["first_test_seconds"] > 0 for mode in data["modes"])
    assert dbfleet["speedup_against"] == {"serial": dbfleet["speedup"]}
    # dbfleet's own cost: provisioning (the template was reused) plus isolation, per test.
    assert dbfleet["database_seconds_per_test"] > 0


def test_bench_catches_an_order_dependent_test(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_b=READER)
    out_json = suite.path / "bench.json"
    code = main(
        ["bench", str(suite.path), "--workers", "2", "--modes", "dbfleet", "--json", str(out_json)]
    )
    assert code == 1
    data = json.loads(out_json.read_text())
    assert data["identical_outcomes"] is False
    (dbfleet,) = [mode for mode in data["modes"] if mode["name"] == "dbfleet"]
    assert dbfleet["differences"] == [
        {
            "nodeid": "test_b.py::test_reads_what_another_file_wrote",
            "baseline": "passed",
            "outcome": "failed",
        }
    ]
    assert "outcome differs in dbfleet: test_b.py::test_reads_what_another_file_wrote" in (
        capsys.readouterr().out
    )


def test_bench_refuses_an_unknown_mode(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", str(suite.path), "--modes", "serial,turbo"]) == 2
    assert "unknown mode turbo" in capsys.readouterr().err


def test_differences_list_changed_and_missing_tests() -> None:
    baseline = {"a": "passed", "b": "passed", "c": "failed"}
    other = {"a": "passed", "b": "failed", "d": "passed"}
    assert differences(baseline, other) == [
        Difference("b", "passed", "failed"),
        Difference("c", "failed", MISSING),
        Difference("d", MISSING, "passed"),
    ]


def _run(wall: float, coverage: float | None = None) -> Run:
    totals = {"passed": 3, "failed": 0, "error": 0, "skipped": 1, "xfailed": 0, "xpassed": 0}
    provisioning = {"mode": "clone", "template_reused": True, "database_seconds": [0.04, 0.06]}
    return Run(wall, 0, {}, totals, provisioning, coverage)


def test_rendering_shows_speedup_spread_and_coverage() -> None:
    serial = ModeResult(MODES["serial"], [], [_run(10.0, 96.6), _run(12.0, 96.6)])
    fleet = ModeResult(MODES["dbfleet"], ["-n", "2"], [_run(5.0, 96.6), _run(6.0, 96.6)])
    result = BenchResult(
        "suite", "2", "loadfile", 2, [], {"cpus": 2, "python": "3.11"}, {}, [serial, fleet]
    )
    text = render_terminal(result)
    assert "dbfleet -n 2  5.50s" in text
    assert "2.00x" in text
    assert "5.00-6.00s" in text
    assert "96.6%" in text
    assert not result.coverage_differs
    markdown = render_markdown(result)
    assert markdown.startswith("**dbfleet bench** on `suite`")
    assert "| dbfleet -n 2 | 5.50s | 5.00-6.00s | 2.00x |" in markdown


def test_a_coverage_difference_is_flagged() -> None:
    serial = ModeResult(MODES["serial"], [], [_run(10.0, 96.6)])
    fleet = ModeResult(MODES["dbfleet"], [], [_run(5.0, 95.0)])
    result = BenchResult(
        "s", "2", "loadfile", 1, [], {"cpus": 2, "python": "3"}, {}, [serial, fleet]
    )
    assert result.coverage_differs
    assert "coverage differs between modes" in render_terminal(result)


def test_json_schema_is_stable() -> None:
    serial = ModeResult(MODES["serial"], [], [_run(10.0)])
    data = BenchResult(
        "s", "2", "loadfile", 1, [], {"cpus": 2, "python": "3"}, {}, [serial]
    ).to_json()
    assert set(data) == {
        "schema",
        "suite",
        "workers",
        "dist",
        "repeat",
        "pytest_args",
        "machine",
        "warmup",
        "baseline",
        "identical_outcomes",
        "coverage_differs",
        "modes",
    }
    assert set(data["modes"][0]) == {
        "name",
        "description",
        "pytest_args",
        "wall_seconds",
        "speedup",
        "speedup_against",
        "efficiency",
        "first_test_seconds",
        "database_seconds_per_test",
        "load",
        "cpu_bound",
        "totals",
        "coverage",
        "differences",
        "runs",
    }


PLAIN = """
import pytest

def test_one():
    pass

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n

class TestGroup:
    def test_in_class(self):
        pass
"""


def test_a_users_own_command_runs_beside_the_modes_and_compares_through_junit(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_a=PLAIN)
    out_json = suite.path / "bench.json"
    own = f"{sys.executable} -m pytest -p no:dbfleet -q"
    argv = ["bench", str(suite.path), "--workers", "2", "--modes", "serial,dbfleet"]
    code = main([*argv, "--baseline", own, "--json", str(out_json)])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    data = json.loads(out_json.read_text())
    modes = {mode["name"]: mode for mode in data["modes"]}
    assert list(modes) == ["serial", "dbfleet", "baseline"]
    assert modes["baseline"]["totals"]["passed"] == 4
    assert sum(modes["baseline"]["totals"].values()) == 4
    assert data["identical_outcomes"] is True


def test_a_users_command_whose_outcomes_differ_fails_the_bench(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without dbfleet the suite's fixture does not exist: the test errors instead of passing.
    without = f"{sys.executable} -m pytest -p no:dbfleet -q"
    argv = ["bench", str(suite.path), "--modes", "serial", "--mode", f"plain={without}"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "outcome differs in plain: test_a.py::test_writes (passed in serial, error here)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "serial=pytest"], "mode name 'serial' is taken"),
        (["--mode", "nocommand"], "--mode 'nocommand' is not NAME=CMD"),
        (["--baseline", "true"], "`true` in * wrote no JUnit XML"),
    ],
)
def test_a_bad_command_mode_is_one_line(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["bench", str(suite.path), "--modes", "serial", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 or "Traceback" not in "\n".join(err)
    assert fnmatch.fnmatch(err[-1], f"*{message}*"), err
