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


#: Tests long enough (2.4 s summed) for a speed-up figure to mean something.
LONG = "import time\n\n" + "\n".join(f"def test_{n}():\n    time.sleep(0.6)\n" for n in range(4))


def _section(result: pytest.RunResult) -> list[str]:
    """The lines of the run's ``dbfleet`` section, up to pytest's closing line."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ dbfleet =+", line))
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if re.match(r"=+ .* =+$|\d+ (passed|failed|skipped|errors?)\b", lines[i])
        ),
        len(lines),
    )
    return lines[start + 1 : end]


def test_summary_shows_speedup_efficiency_and_every_worker_with_v(
    project: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_long=LONG)
    step_summary = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    result = run(project, "-n", "2", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*= dbfleet =*",
            "*template*",
            "4 tests on 2 worker(s): wall *s, summed test time *s, speedup *x",
            "bound *s = max(summed / 2, longest unit test_long.py *); efficiency *%",
            "provisioning *s (template built)",
            "  gw?: * tests, busy *s, idle *s, first test after *s",
        ]
    )
    markdown = step_summary.read_text()
    assert markdown.startswith("### dbfleet")
    assert re.search(r"^\| 4 \| 2 \| [0-9.]+s \| [0-9.]+s \| [0-9.]+x \|", markdown, re.MULTILINE)
    assert re.search(r"^\| gw0 \| \d+ \|", markdown, re.MULTILINE)
    # The same tests without workers: there is nothing to speed up.
    serial = run(project, "-v")
    serial.assert_outcomes(passed=4)
    serial.stdout.fnmatch_lines(["4 tests on 1 worker(s): wall *s, summed test time *s"])
    assert not [line for line in _section(serial) if "speedup" in line or "efficiency" in line]


def test_the_section_is_three_lines_at_most_without_v(
    suite: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_summary = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    for args in (("-n", "2"), ("-q",), ()):
        result = run(suite, *args)
        result.assert_outcomes(passed=4, failed=1, skipped=1)
        section = _section(result)
        assert 2 <= len(section) <= 3, section
        assert section[0].startswith("template "), section
        assert " built in " in section[0] or " reused in " in section[0], section
        assert section[1].startswith("isolation: "), section
    # A run of a fraction of a second: no speed-up quoted, in the job summary either.
    assert "speedup" not in "\n".join(_section(run(suite, "-n", "2", "-v")))
    assert re.search(
        r"^\| 6 \| 2 \| [0-9.]+s \| [0-9.]+s \| - \|", step_summary.read_text(), re.MULTILINE
    )


MARKS = ("process", "plugins", "provisioned", "conftests", "collected", "first_test")


def test_the_start_up_and_the_end_are_broken_down_per_worker(
    suite: pytest.Pytester, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    result = run(suite, "-n", "2", "-v", f"--dbfleet-report={report}")
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
    result = run(suite, "-v")
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
