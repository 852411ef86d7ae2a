"""The end-of-run summary, the GitHub step summary and the HTML timeline, from real runs."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from support import ARTIFACTS, chromium, headless, rendered_dom, run

SUITE = {
    "test_slow": "import time\n\n"
    + "\n".join(f"def test_{n}():\n    time.sleep(0.05)\n" for n in range(3)),
    "test_mixed": "import pytest\n\n"
    "def test_ok():\n    pass\n\n"
    "def test_bad():\n    assert False\n\n"
    "@pytest.mark.skip(reason='later')\ndef test_skipped():\n    pass\n",
}


@pytest.fixture
def suite(project: pytest.Pytester) -> pytest.Pytester:
    project.makepyfile(**SUITE)
    return project


def test_summary_shows_speedup_efficiency_and_every_worker(
    suite: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_summary = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    result = run(suite, "-n", "2")
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*= dbfleet =*",
            "*template*",
            "6 tests on 2 worker(s): wall *s, summed test time *s, speedup *x",
            "bound *s = max(summed / 2, longest unit *); efficiency *%",
            "provisioning *s (template built)",
            "  gw?: * tests, busy *s, idle *s, first test after *s",
        ]
    )
    markdown = step_summary.read_text()
    assert markdown.startswith("### dbfleet")
    assert re.search(r"^\| gw0 \| \d+ \|", markdown, re.MULTILINE)


MARKS = ("process", "plugins", "provisioned", "conftests", "collected", "first_test")


def test_the_start_up_and_the_end_are_broken_down_per_worker(
    suite: pytest.Pytester, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    result = run(suite, "-n", "2", f"--dbfleet-report={report}")
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "start-up of the controller: interpreter and plugins *s, provisioning *s, "
            "conftest import *s; workers started after *s",
            "start-up, median of 2 workers: interpreter and plugins *s, provisioning *s, "
            "conftest import *s, collection *s, waiting for the other workers *s; "
            "first test *s after launch",
            "after the last test (median of the workers): session teardown *s, "
            "worker down *s after its last test, all workers exited *s after the last test",
        ]
    )
    phases = json.loads(report.read_text())["phases"]
    assert sorted(phases["workers"]) == ["gw0", "gw1"]
    for marks in phases["workers"].values():
        times = [marks[name] for name in (*MARKS, "last_test", "torn_down", "down")]
        assert times == sorted(times), marks
    # The controller's own: it started the workers after its own start-up, and its report
    # is written after the sweep that follows the summary.
    controller = phases["marks"]
    assert controller["process"] <= controller["workers"] <= controller["summary"]
    assert controller["summary"] <= controller["cleaned"]
    # The duration store learns a worker's real fixed cost, for the next run's plans.
    store = json.loads((suite.path / ".dbfleet" / "durations.json").read_text())
    worker = store["worker"]
    assert worker["start"] > 0
    assert worker["collection"] > 0


def test_a_serial_run_breaks_down_its_own_start_up(suite: pytest.Pytester) -> None:
    result = run(suite)
    result.stdout.fnmatch_lines(
        [
            "start-up: interpreter and plugins *s, provisioning *s, conftest import *s, "
            "collection *s; first test *s after launch",
            "after the last test: session teardown *s",
        ]
    )


def test_html_timeline_has_a_lane_per_worker_and_a_bar_per_test(
    suite: pytest.Pytester, tmp_path: Path
) -> None:
    browser = chromium()
    page = suite.path / "out" / "timeline.html"
    run(suite, "-n", "2", "--dbfleet-html", str(page)).assert_outcomes(
        passed=4, failed=1, skipped=1
    )
    dom = rendered_dom(browser, page)
    assert len(re.findall(r'<div class="lane" data-worker="gw\d"', dom)) == 2
    bars = re.findall(r'<div class="bar" data-nodeid="([^"]+)"', dom)
    assert sorted(bars) == sorted(
        [f"test_slow.py::test_{n}" for n in range(3)]
        + [f"test_mixed.py::test_{name}" for name in ("ok", "bad", "skipped")]
    )
    assert 'class="bound"' in dom
    assert re.search(r'title="test_slow.py::test_0 — [0-9.]+s, passed"', dom)
    shot = tmp_path / "timeline.png"
    headless(browser, f"--screenshot={shot}", "--window-size=1400,600", page.as_uri())
    assert shot.stat().st_size > 0
    if os.environ.get("DBFLEET_ARTIFACTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ARTIFACTS / "timeline.png")
