"""The end-of-run summary, the GitHub step summary and the HTML timeline, from real runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from support import run

SUITE = {
    "test_slow": "import time\n\n"
    + "\n".join(f"def test_{n}():\n    time.sleep(0.05)\n" for n in range(3)),
    "test_mixed": "import pytest\n\n"
    "def test_ok():\n    pass\n\n"
    "def test_bad():\n    assert False\n\n"
    "@pytest.mark.skip(reason='later')\ndef test_skipped():\n    pass\n",
}

ARTIFACTS = Path(__file__).resolve().parents[2] / ".ci" / "out"


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


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium on PATH: install it (apt-get install chromium) to test the page")


def _headless(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tempfile.mkdtemp(prefix="dbfleet-chromium-")
    try:
        return subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_html_timeline_has_a_lane_per_worker_and_a_bar_per_test(
    suite: pytest.Pytester, tmp_path: Path
) -> None:
    browser = _chromium()
    page = suite.path / "out" / "timeline.html"
    run(suite, "-n", "2", "--dbfleet-html", str(page)).assert_outcomes(
        passed=4, failed=1, skipped=1
    )
    html = page.read_text()
    assert "http://" not in html
    assert "https://" not in html
    dumped = _headless(browser, "--dump-dom", page.as_uri())
    dom = dumped.stdout
    assert 'data-ready="1"' in dom, dumped.stderr[-2000:]
    opening = re.search(r"<html[^>]*>", dom)
    assert opening is not None
    assert "data-js-error" not in opening.group(0), opening.group(0)
    assert len(re.findall(r'<div class="lane" data-worker="gw\d"', dom)) == 2
    bars = re.findall(r'<div class="bar" data-nodeid="([^"]+)"', dom)
    assert sorted(bars) == sorted(
        [f"test_slow.py::test_{n}" for n in range(3)]
        + [f"test_mixed.py::test_{name}" for name in ("ok", "bad", "skipped")]
    )
    assert 'class="bound"' in dom
    assert re.search(r'title="test_slow.py::test_0 — [0-9.]+s, passed"', dom)
    shot = tmp_path / "timeline.png"
    _headless(browser, f"--screenshot={shot}", "--window-size=1400,600", page.as_uri())
    assert shot.stat().st_size > 0
    if os.environ.get("DBFLEET_ARTIFACTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ARTIFACTS / "timeline.png")
