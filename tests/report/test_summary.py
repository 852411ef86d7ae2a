"""The run's numbers and their renderings, from a hand-made report."""

from __future__ import annotations

from typing import Any

import pytest

from dbfleet.report.summary import summarize
from dbfleet.report.terminal import render_lines, render_markdown


def _test(nodeid: str, worker: str, start: float, duration: float) -> dict[str, Any]:
    return {
        "nodeid": nodeid,
        "outcome": "passed",
        "worker": worker,
        "start": 1000.0 + start,
        "stop": 1000.0 + start + duration,
        "duration": duration,
    }


REPORT: dict[str, Any] = {
    "schema": "dbfleet-report/1",
    "started": 1000.0,
    "wall_seconds": 10.0,
    "totals": {"passed": 4},
    "provisioning": {
        "mode": "clone",
        "template": "app_tpl",
        "template_reused": False,
        "template_seconds": 0.5,
        "database_seconds": [0.1, 0.2],
    },
    "workers": {},
    "tests": [
        _test("a.py::t1", "gw0", 1.0, 4.0),
        _test("a.py::t2", "gw0", 5.0, 4.0),
        _test("b.py::t1", "gw1", 2.0, 3.0),
        _test("c.py::t1", "gw1", 5.0, 1.0),
    ],
}


def test_speedup_is_summed_over_wall_and_efficiency_is_against_the_bound() -> None:
    summary = summarize(REPORT)
    assert summary.tests == 4
    assert summary.workers == 2
    assert summary.summed == pytest.approx(12.0)
    assert summary.speedup == pytest.approx(1.2)
    assert summary.longest_unit == "a.py"
    assert summary.bound == pytest.approx(8.0)  # the longest file, more than 12 / 2
    assert summary.efficiency == pytest.approx(0.8)


def test_each_worker_is_busy_idle_and_starts_late_by_its_start_up() -> None:
    loads = {load.worker: load for load in summarize(REPORT).loads}
    assert loads["gw0"].busy == pytest.approx(8.0)
    assert loads["gw0"].idle == pytest.approx(2.0)
    assert loads["gw1"].first_start == pytest.approx(2.0)


def test_provisioning_counts_a_built_template_but_not_a_reused_one() -> None:
    assert summarize(REPORT).provisioning_seconds == pytest.approx(0.65)
    reused = {**REPORT, "provisioning": {**REPORT["provisioning"], "template_reused": True}}
    assert summarize(reused).provisioning_seconds == pytest.approx(0.15)


def test_renderings_carry_the_headline_numbers() -> None:
    summary = summarize(REPORT)
    text = "\n".join(render_lines(summary))
    assert "speedup 1.20x" in text
    assert "efficiency 80%" in text
    assert "gw1: 2 tests" in text
    markdown = render_markdown(summary)
    assert markdown.startswith("### dbfleet")
    assert "| gw0 | 2 | 8.00s | 2.00s |" in markdown


def test_an_empty_run_summarises_to_zeros() -> None:
    summary = summarize({"started": 0.0, "wall_seconds": 0.0, "tests": []})
    assert (summary.tests, summary.speedup, summary.efficiency) == (0, 0.0, 0.0)


def test_no_speedup_is_quoted_for_a_serial_or_a_tiny_run() -> None:
    serial = {**REPORT, "tests": [{**test, "worker": "master"} for test in REPORT["tests"]]}
    tiny = {**REPORT, "tests": [{**test, "duration": 0.01} for test in REPORT["tests"]]}
    for report in (serial, tiny):
        summary = summarize(report)
        assert not summary.speedup_applies
        text = "\n".join(render_lines(summary))
        assert "speedup" not in text
        assert "efficiency" not in text
        assert "| - |" in render_markdown(summary)
