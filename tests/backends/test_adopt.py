"""A hand-written conftest's leftovers (``app_test``, ``app_test_gw0``, ``app_test_gw1``, made
without dbfleet's marker) are named all at once, found by ``dbfleet doctor``, and taken over by
``dbfleet adopt``, on every backend: converting such a project costs no failed run after adopt.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from servers import Server

from dbfleet.adopt import project_name
from dbfleet.cli import main
from support import INHERITED, SCHEMA, SECRET, TESTS, run

CONFTEST = """
import os
SEEN_AT_IMPORT = os.environ.get("DATABASE_URL")
"""


@pytest.fixture
def leftovers(server: Server, base: str) -> list[str]:
    """What a hand-written conftest that never drops leaves after a serial and a -n 2 run."""
    names = [base, f"{base}_gw0", f"{base}_gw1"]
    for name in names:
        server.plant(name, None)
    return names


@pytest.fixture
def unrelated(server: Server, base: str) -> Iterator[list[str]]:
    """Unmarked databases on names no run of the project uses: adopt must never touch them."""
    names = [f"{base}_suffix_like_name_not_ours", f"{base}_gw0_old", f"other_{base}"]
    for name in names:
        server.plant(name, None)
    yield names
    server.drop_all(f"other_{base}")


@pytest.fixture
def converted(
    pytester: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """The project after its conversion: dbfleet reads the ``DATABASE_URL`` CI already sets."""
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", server.url(base))
    pytester.makeini(
        "[pytest]\ndbfleet_migrate = sql:schema.sql\nfilterwarnings = error\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    (pytester.path / "schema.sql").write_text(SCHEMA)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_items=TESTS)
    return pytester


def _refusal(result: pytest.RunResult) -> str:
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.outlines + result.errlines
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert "Traceback" not in result.stderr.str()
    return errors[0]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_one_refused_run_names_every_leftover_and_the_command_that_clears_them(
    converted: pytest.Pytester,
    server: Server,
    base: str,
    leftovers: list[str],
    unrelated: list[str],
    workers: list[str],
) -> None:
    error = _refusal(run(converted, "-W", "error", *workers))
    assert f"databases {', '.join(leftovers)} exist but were not created by dbfleet" in error
    assert "`dbfleet adopt`" in error
    assert "point DATABASE_URL at another database name" in error
    assert "dbfleet_url" not in error
    assert "0.1" not in error
    assert not any(name in error for name in unrelated)
    for name in leftovers:
        assert server.precious(name) == [("keep me",)]


def test_doctor_says_which_databases_are_in_the_way_and_exits_1(
    converted: pytest.Pytester,
    base: str,
    leftovers: list[str],
    unrelated: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["doctor", str(converted.path)]) == 1
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if line.startswith("PROBLEM in the way")]
    assert len(problems) == 1, out
    assert all(name in problems[0] for name in leftovers)
    assert "dbfleet adopt" in problems[0]
    assert not any(name in out for name in unrelated)


def test_adopt_drops_exactly_the_leftovers_and_the_next_runs_pass(
    converted: pytest.Pytester,
    server: Server,
    base: str,
    leftovers: list[str],
    unrelated: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Not a TTY and no --yes: listed with what they hold, nothing dropped.
    assert main(["adopt"]) == 1
    captured = capsys.readouterr()
    for name in leftovers:
        assert any(
            line.split()[0] == name and "1 table(s)" in line
            for line in captured.out.splitlines()
            if line.startswith("  ")
        ), captured.out
    assert "re-run with --yes" in captured.err
    assert server.names(base) >= set(leftovers)
    assert main(["adopt", "--yes"]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("dropped ")] == [
        f"dropped {name}" for name in leftovers
    ]
    assert not server.names(base) & set(leftovers)
    for name in unrelated:
        assert server.precious(name) == [("keep me",)]
    run(converted, "-W", "error").assert_outcomes(passed=3)
    run(converted, "-W", "error", "-n", "2").assert_outcomes(passed=3)
    assert main(["doctor", str(converted.path)]) == 0
    assert main(["adopt", "--yes"]) == 0
    assert "nothing in the way" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        ("app_test", True),
        ("app_test_gw0", True),
        ("app_test_gw17", True),
        ("app_test_tpl_0123456789", True),
        ("app_test_bld_abcdef0123", True),
        ("app_test_ci3_gw0", False),
        ("app_test_gw", False),
        ("app_test_gw0_old", False),
        ("app_test_suffix_like_name_not_ours", False),
        ("app_test_tpl_old", False),
        ("other_app_test", False),
        ("app_tes", False),
    ],
)
def test_the_project_names_are_the_ones_a_run_creates(name: str, ours: bool) -> None:
    assert project_name(name, "app_test", 63, None) is ours


def test_a_namespace_adds_its_own_names_and_long_bases_are_fitted_as_a_run_fits_them() -> None:
    assert project_name("app_test_ci3_gw0", "app_test", 63, "ci3")
    assert project_name("app_test_ci3", "app_test", 63, "ci3")
    assert project_name("app_test_gw0", "app_test", 63, "ci3")
    assert not project_name("app_test_ci4_gw0", "app_test", 63, "ci3")
    from dbfleet.urls import worker_database_name

    long = "a" * 70
    fitted = worker_database_name(long, "gw3", 63)
    assert fitted != f"{long}_gw3"
    assert project_name(fitted, long, 63, None)


@pytest.mark.parametrize(("answer", "dropped"), [("n", False), ("y", True)])
def test_on_a_terminal_adopt_drops_only_after_a_typed_y(
    converted: pytest.Pytester,
    server: Server,
    base: str,
    leftovers: list[str],
    answer: str,
    dropped: bool,
) -> None:
    """A real terminal (a pty) on stdin: the prompt waits for the person's answer."""
    primary, secondary = os.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "dbfleet.cli", "adopt"],
            cwd=converted.path,
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(primary, f"{answer}\n".encode())
        out, err = process.communicate(timeout=120)
    finally:
        os.close(primary)
        os.close(secondary)
    assert process.returncode == (0 if dropped else 1), out + err
    assert "drop them?" in out
    assert SECRET not in out + err
    remaining = server.names(base) & set(leftovers)
    assert remaining == (set() if dropped else set(leftovers))
