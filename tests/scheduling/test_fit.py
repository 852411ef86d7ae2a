"""Don't parallelise what is too small: the fastest worker count from recorded durations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbfleet.scheduling.durations import (
    Conditions,
    DurationStore,
    Phases,
    Recording,
    WorkerTiming,
)
from dbfleet.scheduling.fit import fit, predicted_selection
from support import run

SERIAL = Conditions(workers=1, cpus=2)
IDS = [
    "tests/test_a.py::test_one",
    "tests/test_a.py::test_two[1]",
    "tests/sub/test_b.py::TestC::test_x",
    "tests/sub/test_b.py::TestC::test_y",
]


def _store(seconds: float, start: float = 3.0) -> DurationStore:
    return DurationStore().record(
        Recording(
            tests={nodeid: Phases(0.0, seconds, 0.0) for nodeid in IDS},
            under=SERIAL,
            at=1.0,
            worker=WorkerTiming(start=start, collection=0.0, provisioning=0.0),
        )
    )


def test_a_selection_smaller_than_a_workers_start_runs_best_without_workers() -> None:
    found = fit(_store(0.01), IDS[:1], 4)
    assert found is not None
    assert found.best == 0
    line = found.line(4)
    assert line is not None
    assert line.startswith("dbfleet: the 1 selected test(s) take 0.01s by the recorded durations")
    assert "-n 0 (no workers) would be fastest" in line
    assert found.line(0) is None


def test_a_long_selection_keeps_every_worker() -> None:
    found = fit(_store(30.0), IDS, 2)
    assert found is not None
    assert found.best == 2
    assert found.line(2) is None


def test_nothing_known_gives_no_estimate() -> None:
    assert fit(DurationStore(), IDS, 2) is None
    assert fit(_store(1.0), ["tests/new.py::test_new"], 2) is None


@pytest.mark.parametrize(
    ("paths", "keyword", "expected"),
    [
        ([], "", IDS),
        (["tests/test_a.py"], "", IDS[:2]),
        (["tests/sub"], "", IDS[2:]),
        (["tests/test_a.py::test_one"], "", IDS[:1]),
        ([], "one", IDS[:1]),
        ([], "TestC and x", IDS[2:3]),
        ([], "not test_a", IDS[2:]),
        (["tests/test_a.py"], "two", IDS[1:2]),
    ],
)
def test_the_selection_is_predicted_from_paths_and_keyword(
    tmp_path: Path, paths: list[str], keyword: str, expected: list[str]
) -> None:
    assert predicted_selection(_store(1.0), paths, keyword, tmp_path, tmp_path) == sorted(expected)


def test_a_bad_keyword_or_a_path_outside_the_project_predicts_nothing(tmp_path: Path) -> None:
    assert predicted_selection(_store(1.0), [], "and (", tmp_path, tmp_path) is None
    assert predicted_selection(_store(1.0), ["/elsewhere"], "", tmp_path, tmp_path) is None


SUITE = "\n".join(f"def test_{n}(dbfleet_url):\n    assert dbfleet_url\n" for n in range(6))


def test_a_run_too_small_for_its_workers_says_so_and_fit_runs_it_serially(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "2")
    project.makepyfile(test_small=SUITE)
    run(project, "-n", "2").assert_outcomes(passed=6)  # records durations and worker start
    # The verdict needs a start-up clearly longer than the tests (at least a second saved);
    # a worker here starts in about that, so the recorded start is set to what a real
    # project's takes, which keeps the verdict independent of this machine's speed.
    store = project.path / ".dbfleet" / "durations.json"
    data = json.loads(store.read_text())
    data["worker"]["start"] = 4.0
    store.write_text(json.dumps(data))
    result = run(project, "-n", "2", "-k", "test_0")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "dbfleet: the 1 selected test(s) take *s by the recorded durations and a worker "
            "takes *s to start: -n 0 (no workers) would be fastest*"
        ]
    )
    fitted = run(project, "-n", "auto", "--dbfleet-fit-workers", "-k", "test_0")
    fitted.assert_outcomes(passed=1)
    fitted.stdout.fnmatch_lines(["dbfleet: -n auto fitted to no workers (--dbfleet-fit-workers)*"])
    # In-process: xdist started no worker (its "created: N/N workers" line is missing).
    assert "created: " not in fitted.stdout.str()
    assert "created: 2/2 workers" in result.stdout.str()
