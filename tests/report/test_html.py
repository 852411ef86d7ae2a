"""The timeline page as text: one lane per worker, one bar per test, nothing fetched."""

from __future__ import annotations

import re

from dbfleet.report.html import render_html
from dbfleet.report.summary import summarize

REPORT = {
    "started": 100.0,
    "wall_seconds": 10.0,
    "provisioning": {},
    "tests": [
        {
            "nodeid": nodeid,
            "outcome": outcome,
            "worker": worker,
            "start": start,
            "stop": start + duration,
            "duration": duration,
        }
        for nodeid, outcome, worker, start, duration in (
            ("a.py::t1", "passed", "gw0", 101.0, 4.0),
            ("a.py::t2", "failed", "gw0", 105.0, 4.0),
            ("b.py::t1", "passed", "gw1", 102.0, 3.0),
            ("c.py::t1", "skipped", "gw1", 105.0, 0.0),
        )
    ],
}


def test_page_has_a_lane_per_worker_and_a_bar_per_test() -> None:
    page = render_html(REPORT, summarize(REPORT))
    assert re.findall(r'class="lane" data-worker="(\w+)"', page) == ["gw0", "gw1"]
    assert len(re.findall(r'class="bar"', page)) == 4
    assert 'title="a.py::t1 — 4.000s, passed"' in page
    assert 'class="startup"' in page
    assert 'class="bound"' in page


def test_page_is_self_contained() -> None:
    page = render_html(REPORT, summarize(REPORT))
    assert not re.search(r"(src|href)=|https?://|@import", page)


def test_names_are_escaped() -> None:
    report = {**REPORT, "tests": [{**REPORT["tests"][0], "nodeid": 'a.py::t["<b>"]'}]}
    page = render_html(report, summarize(report))
    assert "<b>" not in page
