"""--dbfleet-shard K/N: every test in exactly one shard, the same plan everywhere."""

from __future__ import annotations

import json
from pathlib import Path

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


def _shard_runs(suite: pytest.Pytester, total: int, *args: str) -> list[str]:
    """Run every shard of ``total`` with a report each; the reports' paths."""
    paths = []
    for number in range(1, total + 1):
        path = suite.path / f"shard{number}.json"
        result = run(
            suite, *args, "--dbfleet-shard", f"{number}/{total}", "--dbfleet-report", str(path)
        )
        assert result.ret == 0, result.stdout.str()
        paths.append(str(path))
    return paths


def test_a_shard_says_it_ran_exactly_its_plan_and_records_it(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_a=_tests(4), test_b=_tests(3), test_c=_tests(2))
    [first, _] = _shard_runs(suite, 2, "-n", "2")
    report = json.loads(Path(first).read_text())
    shard = report["shard"]
    assert (shard["number"], shard["total"]) == (1, 2)
    assert len(shard["collection"]) == 9
    assert shard["ran"] == shard["planned"] != []
    assert sorted(t["nodeid"] for t in report["tests"]) == shard["ran"]
    result = run(suite, "--dbfleet-shard", "1/2")
    result.stdout.fnmatch_lines(
        [f"dbfleet: shard 1/2 ran exactly its {len(shard['ran'])} planned tests"]
    )


def test_a_test_lost_to_a_crashed_worker_fails_the_shard(suite: pytest.Pytester) -> None:
    crash = "import os\n\ndef test_crash():\n    os._exit(1)\n\n" + _tests(3)
    suite.makepyfile(test_a=crash)
    result = run(suite, "-n", "1", "--max-worker-restart", "0", "--dbfleet-shard", "1/1")
    result.stdout.fnmatch_lines(["dbfleet: shard 1/1 ran 1 of its 4 planned tests; not run: *"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_verify_shards_accepts_every_test_run_exactly_once(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_a=_tests(4), test_b=_tests(3), test_c=_tests(2), test_d=_tests(1))
    paths = _shard_runs(suite, 3)
    capsys.readouterr()
    assert main(["verify-shards", *paths]) == 0
    assert capsys.readouterr().out == (
        "dbfleet: 3 shards ran all 10 collected tests, each exactly once\n"
    )


def test_verify_shards_names_a_missing_and_a_repeated_shard(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_a=_tests(4), test_b=_tests(3), test_c=_tests(2))
    first, second, third = _shard_runs(suite, 3)
    capsys.readouterr()
    assert main(["verify-shards", first, second]) == 1
    out = capsys.readouterr().out
    assert "dbfleet: no run of shard(s) 3 of 3\n" in out
    assert "collected test(s) ran in no shard" in out
    assert main(["verify-shards", first, first, second, third]) == 1
    out = capsys.readouterr().out
    assert "dbfleet: shard 1/3 appears 2 times\n" in out
    assert "test(s) ran in more than one shard" in out


def test_verify_shards_catches_shards_that_collected_different_tests(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_a=_tests(4), test_b=_tests(3))
    [path] = _shard_runs(suite, 1)
    first = Path(path).rename(suite.path / "first.json")
    suite.makepyfile(test_c=_tests(2))
    [later] = _shard_runs(suite, 1)
    capsys.readouterr()
    assert main(["verify-shards", str(first), later]) == 1
    assert "the shards collected different tests" in capsys.readouterr().out


def test_verify_shards_refuses_a_report_without_a_shard(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_a=_tests(1))
    result = run(suite, "--dbfleet-report", "plain.json")
    assert result.ret == 0
    capsys.readouterr()
    assert main(["verify-shards", str(suite.path / "plain.json")]) == 2
    assert "is not the --dbfleet-report of a --dbfleet-shard run" in capsys.readouterr().err


def test_a_saved_plan_keeps_every_test_on_its_shard_when_tests_are_added(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(
        **{f"test_{name}": _tests(n) for name, n in zip("abcdef", (5, 4, 3, 3, 2, 1), strict=True)}
    )
    suite.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    assert (
        main(["plan", "--shards", "3", "--json", "-o", "plan.json", "--", "-p", "no:cacheprovider"])
        == 0
    )
    saved = json.loads((suite.path / "plan.json").read_text())
    assert json.loads(capsys.readouterr().out) == saved
    before = {test: shard["number"] for shard in saved["shards"] for test in shard["tests"]}
    suite.makepyfile(test_new=_tests(6))
    after: dict[str, int] = {}
    for number in (1, 2, 3):
        result = run(suite, "--dbfleet-shard", f"{number}/3", "--dbfleet-shard-plan", "plan.json")
        assert result.ret == 0
        after.update(dict.fromkeys(_ran(suite), number))
    assert {test: after[test] for test in before} == before
    assert sum(1 for test in after if test.startswith("test_new.py")) == 6
    assert len(after) == len(before) + 6


def test_a_saved_plan_for_another_shard_count_is_a_usage_error(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_a=_tests(2), test_b=_tests(2))
    suite.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    assert main(["plan", "--shards", "2", "-o", "plan.json", "--", "-p", "no:cacheprovider"]) == 0
    result = run(suite, "--dbfleet-shard", "1/3", "--dbfleet-shard-plan", "plan.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*plan.json has 2 shards but --dbfleet-shard asks for one of 3; plan again with --shards 3"
        ]
    )


def test_plan_with_previous_moves_only_the_units_it_names(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    sizes = dict(zip("abcdefg", (6, 5, 4, 3, 3, 2, 1), strict=True))
    suite.makepyfile(**{f"test_{name}": _tests(n) for name, n in sizes.items()})
    suite.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    args = ["plan", "--shards", "3", "--json"]
    assert main([*args, "-o", "first.json", "--", "-p", "no:cacheprovider"]) == 0
    capsys.readouterr()
    suite.makepyfile(test_new=_tests(9))
    assert main([*args, "--previous", "first.json", "--", "-p", "no:cacheprovider"]) == 0
    second = json.loads(capsys.readouterr().out)
    first = json.loads((suite.path / "first.json").read_text())
    where = {t: s["number"] for s in first["shards"] for t in s["tests"]}
    now = {t: s["number"] for s in second["shards"] for t in s["tests"]}
    changed = {t.split("::")[0] for t in where if now[t] != where[t]}
    assert changed == set(second["moved"])
    assert len(second["moved"]) <= 3
    assert sorted(now) == sorted([*where, *(f"test_new.py::test_{n}" for n in range(9))])


def test_a_last_failed_rerun_of_a_shard_is_not_taken_for_lost_tests(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_a="import os\n\ndef test_ok():\n    pass\n\ndef test_flaky():\n    assert os.path.exists('fixed')\n"
    )
    run(suite, "-p", "cacheprovider", "--dbfleet-shard", "1/1")
    (suite.path / "fixed").touch()
    result = run(suite, "-p", "cacheprovider", "--lf", "--dbfleet-shard", "1/1")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["dbfleet: shard 1/1 ran exactly its 1 planned tests"])


def test_verify_shards_does_not_miss_shards_the_plan_left_empty(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makepyfile(test_a=_tests(2), test_b=_tests(2))
    reports = []
    for number in (1, 2, 3, 4):
        path = suite.path / f"shard{number}.json"
        run(suite, "--dbfleet-shard", f"{number}/4", "--dbfleet-report", str(path))
        data = json.loads(path.read_text())
        if data["shard"]["planned"]:
            reports.append(str(path))
    assert len(reports) == 2
    capsys.readouterr()
    assert main(["verify-shards", *reports]) == 0, capsys.readouterr().out


def test_a_broken_saved_plan_is_a_usage_error(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_a=_tests(2))
    plan = {"schema": "dbfleet-shard-plan/1", "n_shards": 1, "shards": [{"number": "x"}]}
    (suite.path / "plan.json").write_text(json.dumps(plan))
    result = run(suite, "--dbfleet-shard", "1/1", "--dbfleet-shard-plan", "plan.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*plan.json is not a plan dbfleet plan -o wrote; write it anew"])
