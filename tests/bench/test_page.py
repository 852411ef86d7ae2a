"""The bench's comparison page (``--html``), from a real bench run, checked in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest

from dbfleet.cli import main
from support import ARTIFACTS, chromium, headless, rendered_dom

RECORDING = """
import time

def test_{n}(record_property):
    time.sleep(0.02)
    record_property("database_seconds", 0.5)
"""


def test_the_page_has_a_bar_and_a_timeline_for_every_mode(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    browser = chromium()
    project.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\n")
    (project.path / "schema.sql").write_text("CREATE TABLE event (id serial PRIMARY KEY);")
    for n in range(4):
        project.makepyfile(**{f"test_{n}": RECORDING.format(n=n)})
    page = project.path / "out" / "bench.html"
    own = f"{sys.executable} -m pytest -p no:dbfleet -q -n 2"
    argv = ["bench", str(project.path), "--workers", "2", "--modes", "serial,dbfleet"]
    code = main([*argv, "--baseline", own, "--html", str(page), "--json", str(page) + ".json"])
    out = capsys.readouterr().out
    assert code == 0, out
    # The command's tests recorded 0.5 s each: its per-test database cost reads it back.
    assert re.search(r"^baseline .* 500\.0ms ", out, re.MULTILINE), out
    dom = rendered_dom(browser, page)
    assert re.findall(r'<div class="mode" data-mode="([^"]+)"', dom) == [
        "serial",
        "dbfleet",
        "baseline",
    ]
    runs = re.findall(r'<div class="run" data-mode="([^"]+)"', dom)
    assert runs == ["serial", "dbfleet", "baseline"]
    # A lane per worker in each timeline: one serially, two at -n 2 (the command's too).
    sections = re.split(r'<div class="run" ', dom)[1:]
    lanes = [len(re.findall(r'<div class="lane" data-worker=', part)) for part in sections]
    assert lanes == [1, 2, 2]
    assert all(part.count('class="bar"') == 4 for part in sections)
    shot = project.path / "bench.png"
    headless(browser, f"--screenshot={shot}", "--window-size=1400,900", page.as_uri())
    assert shot.stat().st_size > 0
    if os.environ.get("DBFLEET_ARTIFACTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ARTIFACTS / "bench.png")
