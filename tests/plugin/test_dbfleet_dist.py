"""--dbfleet-dist in real xdist runs: longest first, files whole, groups kept, crashes survived."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbfleet.scheduling.duration_file import save
from dbfleet.scheduling.durations import Conditions, DurationStore, Phases, Recording
from support import INHERITED, run

# Every test appends "worker nodeid" to one log, so the order each worker ran things is known.
CONFTEST = """
import os
import pytest

@pytest.fixture(autouse=True)
def _log(request):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    with open(os.path.join(str(request.config.rootpath), "ran.log"), "a") as out:
        out.write(f"{worker} {request.node.nodeid}\\n")
    yield
"""


def _tests(count: int, extra: str = "") -> str:
    return "\n".join(f"def test_{n}():\n    {extra or 'pass'}\n" for n in range(count))


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(CONTROLLER := CONFTEST)
    assert CONTROLLER
    return pytester


def _ran(pytester: pytest.Pytester) -> list[tuple[str, str]]:
    lines = (pytester.path / "ran.log").read_text().splitlines()
    return [(line.split(" ", 1)[0], line.split(" ", 1)[1]) for line in lines]


def _by_worker(ran: list[tuple[str, str]]) -> dict[str, list[str]]:
    workers: dict[str, list[str]] = {}
    for worker, nodeid in ran:
        workers.setdefault(worker, []).append(nodeid)
    return workers


def _files_never_split(ran: list[tuple[str, str]]) -> None:
    holders: dict[str, set[str]] = {}
    for worker, nodeid in ran:
        holders.setdefault(nodeid.split("::")[0], set()).add(worker)
    assert all(len(workers) == 1 for workers in holders.values()), holders


def _plant(path: Path, seconds: dict[str, float]) -> None:
    tests = {nodeid: Phases(0.0, value, 0.0) for nodeid, value in seconds.items()}
    save(DurationStore().record(Recording(Conditions(), 1.0, tests)), path)


def test_longest_recorded_files_start_first(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_short=_tests(3), test_mid=_tests(3), test_long=_tests(3), test_tiny=_tests(3)
    )
    seconds = {"test_long.py": 9.0, "test_mid.py": 5.0, "test_short.py": 1.0, "test_tiny.py": 0.1}
    _plant(
        suite.path / "durations.json",
        {f"{path}::test_{n}": value for path, value in seconds.items() for n in range(3)},
    )
    result = run(suite, "-n", "2", "--dbfleet-dist", "--dbfleet-durations", "durations.json")
    result.assert_outcomes(passed=12)
    ran = _ran(suite)
    firsts = {tests[0].split("::")[0] for tests in _by_worker(ran).values()}
    assert firsts == {"test_long.py", "test_mid.py"}
    _files_never_split(ran)


def test_without_durations_every_test_runs_once_and_files_stay_whole(
    suite: pytest.Pytester,
) -> None:
    suite.makepyfile(test_a=_tests(6), test_b=_tests(2), test_c=_tests(4), test_d=_tests(1))
    result = run(suite, "-n", "3", "--dbfleet-dist", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=13)
    ran = _ran(suite)
    assert len(ran) == len({nodeid for _, nodeid in ran}) == 13
    _files_never_split(ran)
    # Estimated by test count, the two largest files go out first.
    firsts = {tests[0].split("::")[0] for tests in _by_worker(ran).values()}
    assert {"test_a.py", "test_c.py"} <= firsts


def test_xdist_groups_share_a_worker_across_files(suite: pytest.Pytester) -> None:
    grouped = "import pytest\n\n@pytest.mark.xdist_group('shared')\ndef test_grouped():\n    pass\n"
    suite.makepyfile(
        test_a=grouped + _tests(3), test_b=grouped + _tests(3), test_c=grouped + _tests(3)
    )
    result = run(suite, "-n", "3", "--dbfleet-dist")
    result.assert_outcomes(passed=12)
    holders = {worker for worker, nodeid in _ran(suite) if "test_grouped" in nodeid}
    assert len(holders) == 1


def test_a_crashed_worker_does_not_lose_or_repeat_tests(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_a=_tests(4),
        test_crash="import os\n\n"
        + _tests(1)
        + "\ndef test_dies():\n    os._exit(1)\n\n"
        + _tests(3).replace("test_", "test_after_"),
        test_c=_tests(4),
        test_d=_tests(2),
    )
    result = run(suite, "-n", "2", "--dbfleet-dist")
    result.assert_outcomes(passed=14, failed=1)
    ran = [nodeid for _, nodeid in _ran(suite)]
    survivors = [nodeid for nodeid in ran if not nodeid.endswith("test_dies")]
    assert len(survivors) == len(set(survivors)) == 14


def test_durations_are_recorded_for_the_next_run(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_a=_tests(3), test_b=_tests(2))
    run(suite, "-n", "2", "--dbfleet-dist").assert_outcomes(passed=5)
    stored = json.loads((suite.path / ".dbfleet" / "durations.json").read_text())
    assert sorted(stored["tests"]) == [f"test_a.py::test_{n}" for n in range(3)] + [
        f"test_b.py::test_{n}" for n in range(2)
    ]
    assert sorted(stored["units"]) == ["test_a.py", "test_b.py"]
    assert {test["under"]["workers"] for test in stored["tests"].values()} == {2}
    run(suite, "--dbfleet-durations", ".dbfleet/durations.json").assert_outcomes(passed=5)
    stored = json.loads((suite.path / ".dbfleet" / "durations.json").read_text())
    assert {test["runs"] for test in stored["tests"].values()} == {2}


UNRUN = """
import os, time
import pytest

UNRUN = bool(os.environ.get("UNRUN"))

@pytest.fixture
def service():
    if UNRUN:
        raise RuntimeError("the service is down")

@pytest.mark.skipif(UNRUN, reason="not today")
def test_slow():
    time.sleep(0.2)

def test_skips_itself():
    if UNRUN:
        pytest.skip("not today")
    time.sleep(0.2)

def test_needs_service(service):
    time.sleep(0.2)

def test_always():
    pass
"""


def test_skipped_and_setup_errors_leave_the_estimates_alone(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite.makepyfile(test_unrun=UNRUN)
    run(suite, "-n", "2", "--dbfleet-dist").assert_outcomes(passed=4)
    path = suite.path / ".dbfleet" / "durations.json"
    before = json.loads(path.read_text())["tests"]
    monkeypatch.setenv("UNRUN", "1")
    for args in (("-n", "2", "--dbfleet-dist"), ("--dbfleet-durations", str(path))) * 2:
        run(suite, *args).assert_outcomes(passed=1, skipped=2, errors=1)
    after = json.loads(path.read_text())["tests"]
    unrun = ("test_slow", "test_skips_itself", "test_needs_service")
    assert {name: after[f"test_unrun.py::{name}"] for name in unrun} == {
        name: before[f"test_unrun.py::{name}"] for name in unrun
    }
    assert after["test_unrun.py::test_always"]["runs"] == 5


def test_dist_each_is_refused(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_a=_tests(1))
    result = run(suite, "-n", "2", "--dist", "each", "--dbfleet-dist")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--dbfleet-dist*--dist each*"])
