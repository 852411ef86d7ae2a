"""Where a process's time goes before its first test and after its last.

A parallel run is far from its bound mostly outside the tests: every xdist worker starts an
interpreter, loads the plugins, imports the conftests (and with them the app) and collects the
whole suite before its first test, and after its last one tears its fixtures down and exits
while the controller waits. ``Phases`` marks those moments in each process (wall clock, so the
controller can line its workers up with itself) and the summary turns them into one line for
the start and one for the end; the run report keeps the marks.

The marks, in order: ``process`` (the interpreter started: ``/proc`` on Linux, else the moment
dbfleet was imported), ``plugins`` (dbfleet's ``pytest_load_initial_conftests`` began: the
plugins are loaded), ``provisioned`` (it ended: the database is ready), ``conftests`` (the
initial conftests, and what they import, are imported: ``pytest_configure``), ``collected``,
``first_test``, ``last_test``, ``torn_down`` (the session's fixtures are torn down). The
controller adds ``workers`` (xdist starts its workers), ``summary`` (every worker is down, the
summary is written) and ``cleaned`` (its sweep is done).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

#: ``workeroutput`` key of a worker's marks.
OUTPUT_KEY = "dbfleet_phases"
#: Registered under this name in every process where dbfleet is active.
PLUGIN_NAME = "dbfleet-phases"

IMPORTED = time.time()


def process_started() -> float:
    """When this interpreter started, from ``/proc`` (10 ms resolution); elsewhere, when this
    module was imported (which leaves the interpreter's own start out)."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        age = uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return IMPORTED
    return min(time.time() - max(age, 0.0), IMPORTED)


class Phases:
    def __init__(self) -> None:
        self.marks: dict[str, float] = {"process": process_started(), "plugins": time.time()}
        #: A controller's: each worker's marks, and when the controller saw it go down.
        self.workers: dict[str, dict[str, float]] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = time.time()

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self) -> None:
        self.mark("conftests")

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_setupnodes(self) -> None:
        self.mark("workers")

    def pytest_collection_finish(self) -> None:
        self.mark("collected")

    def pytest_runtest_logstart(self) -> None:
        self.marks.setdefault("first_test", time.time())

    def pytest_runtest_logfinish(self) -> None:
        self.mark("last_test")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.mark("torn_down")
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[OUTPUT_KEY] = dict(self.marks)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        marks = getattr(node, "workeroutput", {}).get(OUTPUT_KEY)
        if isinstance(marks, dict):
            self.workers[str(node.gateway.id)] = {**marks, "down": time.time()}

    def to_json(self) -> dict[str, Any]:
        return {
            "marks": {name: round(value, 4) for name, value in self.marks.items()},
            "workers": {
                worker: {name: round(value, 4) for name, value in marks.items()}
                for worker, marks in sorted(self.workers.items())
            },
        }


def _span(marks: Mapping[str, float], start: str, end: str) -> float | None:
    if start in marks and end in marks:
        return max(marks[end] - marks[start], 0.0)
    return None


#: The start-up steps, as (label, from mark, to mark).
START_STEPS = (
    ("interpreter and plugins", "process", "plugins"),
    ("provisioning", "plugins", "provisioned"),
    ("conftest import", "provisioned", "conftests"),
    ("collection", "conftests", "collected"),
)


def _median(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def _steps(runs: list[Mapping[str, float]], steps: tuple[tuple[str, str, str], ...]) -> str:
    parts = []
    for label, start, end in steps:
        seconds = _median([_span(marks, start, end) for marks in runs])
        if seconds is not None:
            parts.append(f"{label} {seconds:.2f}s")
    return ", ".join(parts)


def render_lines(data: Mapping[str, Any]) -> list[str]:
    """Two lines of the run's ``dbfleet`` section: the start-up and what followed the last
    test, for the workers (median) when there were any, else for this process."""
    marks: Mapping[str, float] = data.get("marks", {})
    workers: list[Mapping[str, float]] = list(data.get("workers", {}).values())
    launch = marks.get("process")
    if launch is None:
        return []
    if not workers:
        steps = _steps([marks], START_STEPS)
        first = _span(marks, "process", "first_test")
        lines = [
            f"start-up: {steps}" + (f"; first test {first:.2f}s after launch" if first else "")
        ]
        teardown = _span(marks, "last_test", "torn_down")
        if teardown is not None:
            lines.append(f"after the last test: session teardown {teardown:.2f}s")
        return lines
    controller = _steps([marks], START_STEPS[:3])
    started = _span(marks, "process", "workers")
    line = f"start-up of the controller: {controller}"
    lines = [line + (f"; workers started after {started:.2f}s" if started is not None else "")]
    steps = _steps(workers, START_STEPS)
    waiting = _median([_span(w, "collected", "first_test") for w in workers])
    if waiting is not None:
        steps += f", waiting for the other workers {waiting:.2f}s"
    first = _median([w["first_test"] - launch for w in workers if "first_test" in w])
    line = f"start-up, median of {len(workers)} workers: {steps}"
    lines.append(line + (f"; first test {first:.2f}s after launch" if first is not None else ""))
    teardown = _median([_span(w, "last_test", "torn_down") for w in workers])
    down = _median([_span(w, "last_test", "down") for w in workers])
    ends = [w["last_test"] for w in workers if "last_test" in w]
    tail = [f"session teardown {teardown:.2f}s" if teardown is not None else ""]
    if down is not None:
        tail.append(f"worker down {down:.2f}s after its last test")
    if ends and "summary" in marks:
        tail.append(
            f"all workers exited {max(marks['summary'] - max(ends), 0.0):.2f}s after the last test"
        )
    if any(tail):
        lines.append(
            "after the last test (median of the workers): " + ", ".join(filter(None, tail))
        )
    return lines
