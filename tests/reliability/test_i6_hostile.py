"""I6: a hostile environment gets one line, and a passing suite stays green."""

from __future__ import annotations

import pytest

from backends.servers import Server
from support import run


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("migrate", "said"),
    [
        ("cmd:kill -9 $$", "killed by signal 9 (SIGKILL)"),
        ("cmd:exit 3", "exited with status 3 and printed nothing"),
        ("python:silent:build", "exited with status 3 and printed nothing"),
    ],
)
def test_a_migration_child_that_dies_says_how(
    suite: pytest.Pytester, server: Server, base: str, migrate: str, said: str
) -> None:
    (suite.path / "silent.py").write_text("import os\ndef build(url):\n    os._exit(3)\n")
    result = run(suite, f"--dbfleet-migrate={migrate}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1
    assert said in errors[0]
    assert "RuntimeWarning" not in result.stderr.str()
    assert server.names(base) == set()


def _unwritable_dbfleet_folder(project: pytest.Pytester) -> None:
    # Root writes through any mode bits, so "read-only" is a file where dbfleet's folder goes.
    (project.path / ".dbfleet").write_text("not a folder")


@pytest.mark.parametrize("server", ["postgresql", "mysql"], indirect=True)
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_an_unwritable_checkout_keeps_a_passing_suite_green(
    suite: pytest.Pytester, server: Server, base: str, workers: list[str]
) -> None:
    _unwritable_dbfleet_folder(suite)
    result = run(suite, *workers)
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.OK
    said = [line for line in result.errlines if "cannot record durations" in line]
    assert len(said) == 1, result.errlines
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_sqlite_says_where_its_markers_must_be_written(
    suite: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unwritable_dbfleet_folder(suite)
    monkeypatch.setenv("DBFLEET_URL", f"sqlite:///{suite.path / base}.db")
    result = run(suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: dbfleet: cannot write dbfleet's markers and locks in {suite.path}/.dbfleet *"]
    )
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
@pytest.mark.parametrize("broken", ["durations", "plan"])
def test_bad_shard_input_is_the_same_one_line_with_and_without_xdist(
    suite: pytest.Pytester, server: Server, base: str, workers: list[str], broken: str
) -> None:
    args = ["--dbfleet-shard", "1/2", *workers]
    if broken == "durations":
        (suite.path / "durations.json").write_text("{not json")
        args += ["--dbfleet-durations", "durations.json"]
    else:
        args += ["--dbfleet-shard-plan", "missing-plan.json"]
    result = run(suite, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
