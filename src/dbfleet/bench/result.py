"""The bench result, its JSON form (schema ``dbfleet-bench/1``) and its two renderings."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from dbfleet.bench.compare import Difference
from dbfleet.bench.modes import Mode
from dbfleet.bench.runner import Run

SCHEMA = "dbfleet-bench/1"


@dataclass
class ModeResult:
    mode: Mode
    args: list[str]
    runs: list[Run] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(run.wall_seconds for run in self.runs)

    @property
    def workers(self) -> int:
        seconds = self.runs[0].provisioning.get("database_seconds") or []
        return max(len(seconds), 1)

    @property
    def coverage(self) -> float | None:
        values = [run.coverage for run in self.runs if run.coverage is not None]
        return statistics.median(values) if values else None

    def provisioning_line(self) -> str:
        prov = self.runs[0].provisioning
        if self.mode.command:
            return "its own"
        if not prov:
            return INACTIVE
        seconds = prov.get("database_seconds") or []
        per = statistics.median(seconds) if seconds else 0.0
        verb = "migrated" if prov.get("mode") == "migrate" else "cloned"
        return f"{per:.3f}s/db {verb}"

    def template_line(self) -> str:
        prov = self.runs[0].provisioning
        if self.mode.command:
            return "-"
        if not prov:
            return INACTIVE
        if prov.get("mode") == "migrate":
            return "none"
        return "reused" if prov.get("template_reused") else f"built {prov['template_seconds']:.2f}s"


#: A mode whose runs provisioned nothing: the suite has no dbfleet URL configured.
INACTIVE = "dbfleet inactive (no URL: set dbfleet_url, DBFLEET_URL or DATABASE_URL)"


@dataclass
class BenchResult:
    suite: str
    workers: str
    dist: str
    repeat: int
    extra: list[str]
    machine: dict[str, Any]
    warmup: dict[str, Any]
    modes: list[ModeResult]

    @property
    def baseline(self) -> ModeResult:
        return self.modes[0]

    def speedup(self, mode: ModeResult) -> float:
        return self.baseline.median / mode.median

    @property
    def identical(self) -> bool:
        return not any(mode.differences for mode in self.modes)

    @property
    def coverage_differs(self) -> bool:
        values = {round(mode.coverage, 2) for mode in self.modes if mode.coverage is not None}
        return len(values) > 1

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "suite": self.suite,
            "workers": self.workers,
            "dist": self.dist,
            "repeat": self.repeat,
            "pytest_args": self.extra,
            "machine": self.machine,
            "warmup": self.warmup,
            "baseline": self.baseline.mode.name,
            "identical_outcomes": self.identical,
            "coverage_differs": self.coverage_differs,
            "modes": [
                {
                    "name": mode.mode.name,
                    "description": mode.mode.description,
                    "pytest_args": mode.args,
                    "wall_seconds": {
                        "median": round(mode.median, 3),
                        "min": round(min(r.wall_seconds for r in mode.runs), 3),
                        "max": round(max(r.wall_seconds for r in mode.runs), 3),
                    },
                    "speedup": round(self.speedup(mode), 3),
                    "totals": mode.runs[0].totals,
                    "coverage": mode.coverage,
                    "differences": [
                        {"nodeid": d.nodeid, "baseline": d.baseline, "outcome": d.outcome}
                        for d in mode.differences
                    ],
                    "runs": [run.to_json() for run in mode.runs],
                }
                for mode in self.modes
            ],
        }


def _rows(result: BenchResult) -> list[list[str]]:
    rows = [
        [
            "mode",
            "wall (median)",
            "spread",
            "speedup",
            "passed",
            "failed",
            "skipped",
            "errors",
            "databases",
            "template",
        ]
    ]
    if any(mode.coverage is not None for mode in result.modes):
        rows[0].append("coverage")
    for mode in result.modes:
        walls = [run.wall_seconds for run in mode.runs]
        totals = mode.runs[0].totals
        row = [
            mode.mode.name + (f" -n {result.workers}" if mode.mode.parallel else ""),
            f"{mode.median:.2f}s",
            f"{min(walls):.2f}-{max(walls):.2f}s",
            f"{result.speedup(mode):.2f}x",
            str(totals["passed"]),
            str(totals["failed"]),
            str(totals["skipped"]),
            str(totals["error"]),
            mode.provisioning_line(),
            mode.template_line(),
        ]
        if len(rows[0]) > len(row):
            row.append(f"{mode.coverage:.1f}%" if mode.coverage is not None else "-")
        rows.append(row)
    return rows


def _verdict(result: BenchResult) -> list[str]:
    lines = []
    if result.identical:
        lines.append("outcomes: identical to serial in every mode")
    for mode in result.modes:
        for diff in mode.differences:
            lines.append(
                f"outcome differs in {mode.mode.name}: {diff.nodeid} "
                f"({diff.baseline} serially, {diff.outcome} here)"
            )
    if result.coverage_differs:
        lines.append("coverage differs between modes")
    return lines


def render_terminal(result: BenchResult) -> str:
    rows = _rows(result)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join([*lines, "", *_verdict(result)])


def render_markdown(result: BenchResult) -> str:
    rows = _rows(result)
    table = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    table += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    machine = result.machine
    header = (
        f"**dbfleet bench** on `{result.suite}`: {machine['cpus']} CPUs, Python "
        f"{machine['python']}, median of {result.repeat} run(s), `--dist {result.dist}`"
    )
    return "\n".join([header, "", *table, "", *(f"- {line}" for line in _verdict(result))]) + "\n"
