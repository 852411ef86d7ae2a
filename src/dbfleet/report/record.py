"""The run report: every test with its outcome, worker and times, plus provisioning.

Written as JSON by ``--dbfleet-report PATH``. The schema is versioned (``schema``) and documented
in the README; ``dbfleet bench`` reads it to compare modes test by test.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from dbfleet.report.outcomes import combine, count, phase_outcome

SCHEMA = "dbfleet-report/1"


@dataclass
class TestRecord:
    nodeid: str
    worker: str
    start: float
    stop: float
    phases: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return combine(self.phases)


@dataclass
class RunRecord:
    """Collected in the controller (or serial process) from each phase report."""

    started: float = field(default_factory=time.time)
    tests: dict[str, TestRecord] = field(default_factory=dict)
    provisioning: dict[str, Any] = field(default_factory=dict)
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Per isolation level: the tests and the seconds it added to them (``overhead_totals``).
    isolation: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Under ``--dbfleet-shard``: the shard's collection, plan and what ran (``ShardRun``).
    shard: dict[str, Any] | None = None
    #: Lines that say a part of the run did not do what its settings promised (the summary's
    #: ``warning:`` lines), so a CI job reading the report sees them too.
    warnings: list[str] = field(default_factory=list)

    def add(
        self,
        *,
        nodeid: str,
        worker: str,
        when: str,
        outcome: str,
        wasxfail: bool,
        start: float,
        stop: float,
    ) -> None:
        record = self.tests.get(nodeid)
        if record is None:
            record = self.tests[nodeid] = TestRecord(nodeid, worker, start, stop)
        record.start = min(record.start, start) if start else record.start
        record.stop = max(record.stop, stop)
        record.phases.append(phase_outcome(when, outcome, wasxfail))

    def add_report(self, report: Any, default_worker: str) -> None:
        """One phase report as pytest hands it over; under xdist the controller gets it with
        the worker that ran it attached as ``node``."""
        node = getattr(report, "node", None)
        worker = getattr(getattr(node, "gateway", None), "id", None) or default_worker
        self.add(
            nodeid=report.nodeid,
            worker=worker,
            when=report.when or "call",
            outcome=report.outcome,
            wasxfail=hasattr(report, "wasxfail"),
            start=report.start,
            stop=report.stop,
        )

    def to_json(self, finished: float) -> dict[str, Any]:
        outcomes = {nodeid: test.outcome for nodeid, test in self.tests.items()}
        data: dict[str, Any] = {
            "schema": SCHEMA,
            "started": self.started,
            "wall_seconds": round(finished - self.started, 4),
            "totals": count(outcomes),
            "provisioning": self.provisioning,
            "workers": self.workers,
            "isolation": self.isolation,
            "tests": [
                {
                    "nodeid": test.nodeid,
                    "outcome": test.outcome,
                    "worker": test.worker,
                    "start": round(test.start, 6),
                    "stop": round(test.stop, 6),
                    "duration": round(max(test.stop - test.start, 0.0), 6),
                }
                for test in sorted(self.tests.values(), key=lambda t: t.start)
            ],
        }
        if self.shard is not None:
            data["shard"] = self.shard
        if self.warnings:
            data["warnings"] = self.warnings
        return data
