"""The run's numbers, from its report: speedup, efficiency against the bound, idle time.

Pure: it reads the report as ``RunRecord.to_json`` writes it, so the terminal, the Markdown step
summary and the HTML page all show the same numbers, and a saved report can be summarised later.

The bound is ``max(summed / W, longest unit)``: no schedule of these tests on ``W`` workers ends
sooner than the work divided evenly, nor before the longest file (which runs whole on one worker)
ends. It leaves out worker start-up and provisioning, so efficiency below 100% includes those.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Summed test seconds below which a parallel run's speed-up is not shown: a worker takes
#: seconds to start (interpreter, plugins, conftests, collection), so under this the figure
#: measures the start-up, not the parallelism ("speedup 0.01x" for a 60 ms suite).
MEANINGFUL_SECONDS = 2.0


@dataclass(frozen=True)
class WorkerLoad:
    """One worker's share of the run: seconds in tests, and the rest of the wall time."""

    worker: str
    tests: int
    busy: float
    idle: float
    first_start: float
    """Seconds from the run's start to this worker's first test: its start-up and provisioning."""


@dataclass(frozen=True)
class Summary:
    tests: int
    workers: int
    wall: float
    summed: float
    longest_unit: str | None
    longest_unit_seconds: float
    loads: tuple[WorkerLoad, ...]
    provisioning: Mapping[str, Any]
    totals: Mapping[str, int]

    @property
    def speedup(self) -> float:
        """Summed test seconds over wall seconds: how many tests ran at once, on average."""
        return self.summed / self.wall if self.wall > 0 else 0.0

    @property
    def speedup_applies(self) -> bool:
        """A serial run has no speed-up to speak of, and a tiny one none worth quoting."""
        return self.workers > 1 and self.summed >= MEANINGFUL_SECONDS

    @property
    def bound(self) -> float:
        """The shortest wall time any schedule of these tests on these workers could take."""
        return max(self.summed / max(self.workers, 1), self.longest_unit_seconds)

    @property
    def efficiency(self) -> float:
        """The bound over the wall time: 100% is a run no scheduler could have shortened."""
        return min(self.bound / self.wall, 1.0) if self.wall > 0 else 0.0

    @property
    def template_reused(self) -> bool | None:
        value = self.provisioning.get("template_reused")
        return None if value is None else bool(value)

    @property
    def provisioning_seconds(self) -> float:
        """The template build (0 when reused) plus the median database's provisioning."""
        template = float(self.provisioning.get("template_seconds") or 0.0)
        if self.template_reused:
            template = 0.0
        databases = [float(x) for x in self.provisioning.get("database_seconds") or []]
        return template + (statistics.median(databases) if databases else 0.0)


def unit_of(nodeid: str) -> str:
    """The unit the bound assumes: the file, which a file-unit scheduler never splits."""
    return nodeid.partition("::")[0]


def summarize(report: Mapping[str, Any], workers: int | None = None) -> Summary:
    """The numbers of one run; ``workers`` defaults to the workers that ran a test."""
    tests = [t for t in report.get("tests", []) if isinstance(t, Mapping)]
    started = float(report.get("started", 0.0))
    wall = float(report.get("wall_seconds", 0.0))
    by_worker: dict[str, list[Mapping[str, Any]]] = {}
    by_unit: dict[str, float] = {}
    for test in tests:
        by_worker.setdefault(str(test["worker"]), []).append(test)
        by_unit[unit_of(str(test["nodeid"]))] = by_unit.get(
            unit_of(str(test["nodeid"])), 0.0
        ) + float(test["duration"])
    loads = []
    for worker, mine in sorted(by_worker.items()):
        busy = sum(float(t["duration"]) for t in mine)
        starts = [float(t["start"]) for t in mine if float(t["start"]) > 0]
        first = max(min(starts) - started, 0.0) if starts else 0.0
        loads.append(WorkerLoad(worker, len(mine), busy, max(wall - busy, 0.0), first))
    longest = max(by_unit.items(), key=lambda kv: (kv[1], kv[0]), default=None)
    return Summary(
        tests=len(tests),
        workers=workers or max(len(by_worker), 1),
        wall=wall,
        summed=sum(float(t["duration"]) for t in tests),
        longest_unit=longest[0] if longest else None,
        longest_unit_seconds=longest[1] if longest else 0.0,
        loads=tuple(loads),
        provisioning=dict(report.get("provisioning") or {}),
        totals=dict(report.get("totals") or {}),
    )
