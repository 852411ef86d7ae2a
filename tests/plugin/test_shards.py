"""--dbfleet-shard K/N: every test in exactly one shard, the same plan everywhere."""

from __future__ import annotations

import json

import pytest

from dbfleet.cli import main
from support import INHERITED, run

CONFTEST = """
import os
import pytest

@pytest.fixture(autouse=True)
def _log(request):
    with open(os.path.join(str(request.config.rootpath), "ran.log"), "a") as out:
        out.write(request.node.nodeid + "\\n")
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(CONFTEST)
    return pytester


def _ran(pytester: pytest.Pytester) -> list[str]:
    log = pytester.path / "ran.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def _tests(count: int) -> str:
    return "\n".join(f"def test_{n}():\n    pass\n" for n in range(count))


def test_shards_cover_every_test_exactly_once(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_a=_tests(4), test_b=_tests(3), test_c=_tests(2), test_d=_tests(2), test_e=_tests(1)
    )
    seen: list[str] = []
    for number in (1, 2, 3):
        result = run(suite, "--dbfleet-shard", f"{number}/3")
        assert result.ret == 0
        ran = _ran(suite)
        assert ran, f"shard {number} ran nothing"
        seen += ran
    assert sorted(seen) == sorted(
        f"test_{f}.py::test_{n}"
        for f, count in zip("abcde", (4, 3, 2, 2, 1), strict=True)
        for n in range(count)
    )


def test_a_shard_under_xdist_runs_the_same_tests_as_serially(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_a=_tests(4), test_b=_tests(3), test_c=_tests(2))
    run(suite, "--dbfleet-shard", "2/2")
    serial = sorted(_ran(suite))
    run(suite, "-n", "2", "--dbfleet-shard", "2/2")
    assert sorted(_ran(suite)) == serial


def test_an_empty_shard_exits_0_and_says_so(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_a=_tests(2))
    results = [run(suite, "--dbfleet-shard", f"{k}/2") for k in (1, 2)]
    assert [r.ret for r in results] == [0, 0]
    empty = [r for r in results if "has no tests to run" in r.stdout.str()]
    assert len(empty) == 1
    empty[0].stdout.fnmatch_lines(["dbfleet: shard ?/2 has no tests to run"])


def test_a_malformed_shard_is_a_usage_error(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_a=_tests(1))
    result = run(suite, "--dbfleet-shard", "3/2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'3/2' is not K/N*"])


def test_plan_command_shows_the_shards_the_option_runs(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_a=_tests(4), test_b=_tests(3), test_c=_tests(2))
    # The collection runs in this process; an ini keeps pytest-asyncio's notice out of ours.
    suite.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    assert main(["plan", "--shards", "2", "--json", "--", "-p", "no:cacheprovider"]) == 0
    plan = json.loads(capsys.readouterr().out)
    run(suite, "--dbfleet-shard", "1/2")
    assert sorted(_ran(suite)) == sorted(plan["shards"][0]["tests"])
    capsys.readouterr()
    assert main(["plan", "--shards", "5", "--github-matrix"]) == 0
    assert json.loads(capsys.readouterr().out) == {"shard": ["1/5", "2/5", "3/5"]}
