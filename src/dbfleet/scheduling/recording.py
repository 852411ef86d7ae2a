"""The duration recorder: every phase's duration, folded into the duration store at the end of
the run (under its lock), so the next run's ``--dbfleet-dist`` and shard plans know the suite."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pytest

from dbfleet.errors import DbfleetError
from dbfleet.report.phases import PLUGIN_NAME as PHASES
from dbfleet.report.phases import Phases
from dbfleet.scheduling import duration_file, durations
from dbfleet.scheduling.xdist import split_group
from dbfleet.state import FleetState, database_seconds
from dbfleet.urls import SERIAL_WORKER


class DurationRecorder:
    """Collects every phase's duration in the controller (or serial process) and folds the run
    into the duration store at the end, under its lock."""

    def __init__(self, path: Path, state: FleetState | None) -> None:
        self.path = path
        self.state = state
        self.reports: list[durations.PhaseReport] = []
        self.workers: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        node = getattr(report, "node", None)
        worker = getattr(getattr(node, "gateway", None), "id", None) or SERIAL_WORKER
        self.workers.add(worker)
        self.reports.append(
            durations.PhaseReport(
                nodeid=split_group(report.nodeid)[0],
                worker=worker,
                when=report.when or "",
                seconds=report.duration,
                start=report.start,
                ran=report.outcome != "skipped" or hasattr(report, "wasxfail"),
            )
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.reports or session.config.option.collectonly:
            return
        worker = _worker_timing(session.config)
        if worker is None and self.state is not None and database_seconds(self.state):
            provisioning = statistics.median(database_seconds(self.state))
            worker = durations.WorkerTiming(start=0.0, collection=0.0, provisioning=provisioning)
        recording = durations.recording_of(
            self.reports,
            durations.Conditions.current(workers=max(len(self.workers), 1)),
            time.time(),
            worker=worker,
        )
        try:
            duration_file.update(self.path, lambda store: store.record(recording))
        except DbfleetError as error:
            sys.stderr.write(f"{error}\n")


def _worker_timing(config: pytest.Config) -> durations.WorkerTiming | None:
    """What a worker paid before its first test, from the phases the workers reported (median
    of the workers): its start (interpreter, plugins, conftests), collection, provisioning."""
    phases = config.pluginmanager.get_plugin(PHASES)
    if not isinstance(phases, Phases) or not phases.workers:
        return None
    runs = list(phases.workers.values())
    needed = ("process", "plugins", "provisioned", "conftests", "collected")
    complete = [marks for marks in runs if all(name in marks for name in needed)]
    if not complete:
        return None

    def median(start: str, end: str) -> float:
        return statistics.median(max(m[end] - m[start], 0.0) for m in complete)

    provisioning = median("plugins", "provisioned")
    return durations.WorkerTiming(
        start=median("process", "conftests") - provisioning,
        collection=median("conftests", "collected"),
        provisioning=provisioning,
    )
