"""A run's phase reports become a recording; `dbfleet durations merge` joins stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbfleet.cli import main
from dbfleet.scheduling.duration_file import load, save
from dbfleet.scheduling.durations import (
    Conditions,
    DurationStore,
    PhaseReport,
    Phases,
    Recording,
    recording_of,
)


def _phases(nodeid: str, worker: str, start: float, setup: float, call: float) -> list[PhaseReport]:
    return [
        PhaseReport(nodeid, worker, "setup", setup, start),
        PhaseReport(nodeid, worker, "call", call, start + setup),
        PhaseReport(nodeid, worker, "teardown", 0.0, start + setup + call),
    ]


def test_module_fixture_cost_moves_from_the_first_test_to_the_file() -> None:
    reports = [
        *_phases("a.py::t1", "gw0", 0.0, 2.0, 1.0),
        *_phases("a.py::t2", "gw0", 3.0, 0.0, 1.0),
        *_phases("a.py::t3", "gw0", 4.0, 0.0, 1.0),
    ]
    recording = recording_of(reports, Conditions(), 10.0)
    assert recording.tests["a.py::t1"] == Phases(0.0, 1.0, 0.0)
    assert recording.units["a.py"].overhead == pytest.approx(2.0)
    assert recording.units["a.py"].seconds == pytest.approx(5.0)


def test_a_crash_report_is_not_a_phase() -> None:
    reports = [
        *_phases("a.py::t1", "gw0", 0.0, 0.1, 1.0),
        PhaseReport("a.py::t2", "gw1", "???", 0.0, 0.0),
    ]
    assert set(recording_of(reports, Conditions(), 1.0).tests) == {"a.py::t1"}


def test_a_test_whose_call_did_not_run_is_not_measured() -> None:
    reports = [
        *_phases("a.py::ran", "gw0", 0.0, 0.1, 1.0),
        PhaseReport("a.py::skipped", "gw0", "setup", 0.001, 2.0, ran=False),
        PhaseReport("a.py::skipped", "gw0", "teardown", 0.0, 2.1),
        PhaseReport("a.py::setup_error", "gw0", "setup", 0.002, 3.0),
        PhaseReport("a.py::setup_error", "gw0", "teardown", 0.0, 3.1),
        PhaseReport("a.py::skips_itself", "gw0", "setup", 0.0, 4.0),
        PhaseReport("a.py::skips_itself", "gw0", "call", 0.01, 4.0, ran=False),
    ]
    recording = recording_of(reports, Conditions(), 5.0)
    assert set(recording.tests) == {"a.py::ran"}
    assert recording.units["a.py"].seconds == pytest.approx(1.1)


def _store(nodeid: str, runs: int) -> DurationStore:
    store = DurationStore()
    for at in range(runs):
        store = store.record(Recording(Conditions(), float(at), {nodeid: Phases(0.0, 1.0, 0.0)}))
    return store


def test_durations_merge_joins_every_file_into_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save(_store("a.py::t", 1), tmp_path / "one.json")
    save(_store("b.py::t", 2), tmp_path / "two.json")
    out = tmp_path / "merged.json"
    assert (
        main(
            [
                "durations",
                "merge",
                str(tmp_path / "one.json"),
                str(tmp_path / "two.json"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    merged = load(out)
    assert set(merged.tests) == {"a.py::t", "b.py::t"}
    assert merged.tests["b.py::t"].runs == 2
    assert "2 tests" in capsys.readouterr().out
    assert json.loads(out.read_text())["schema"] == "dbfleet-durations/1"


def test_durations_merge_of_a_missing_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["durations", "merge", str(tmp_path / "nope.json"), "-o", str(tmp_path / "o.json")])
        == 2
    )
    assert "does not exist" in capsys.readouterr().err
