"""The bench result, its JSON form (schema ``dbfleet-bench/1``) and its two renderings."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from dbfleet.bench.compare import Difference
from dbfleet.bench.limit import Profile, bound, naive_efficiency
from dbfleet.bench.modes import Mode
from dbfleet.bench.runner import Run
from dbfleet.report.summary import Summary, summarize

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

    def summaries(self) -> list[Summary]:
        """Each run's numbers from the probe's timeline (every mode has one)."""
        return [summarize(run.timeline, self.mode.workers) for run in self.runs if run.timeline]

    @property
    def efficiency(self) -> float | None:
        """Median of the runs' efficiency against their bound, ``max(summed / W, longest
        file)``: the share of the wall time no scheduler or start-up trick could save."""
        values = [summary.efficiency for summary in self.summaries() if summary.wall > 0]
        return statistics.median(values) if values else None

    @property
    def first_test(self) -> float | None:
        """Median over runs and workers of the seconds from launch to a worker's first test."""
        values = [load.first_start for summary in self.summaries() for load in summary.loads]
        return statistics.median(values) if values else None

    @property
    def database_per_test(self) -> float | None:
        """Seconds each test spent on databases, median over runs: isolation plus provisioning
        (the template when built, every worker's database) over the tests. dbfleet's modes
        read it from the run report; a command, from JUnit properties named
        ``database_seconds`` that its tests recorded (the demo's hand-written set-up does)."""
        values = [cost for run in self.runs if (cost := _database_per_test(run)) is not None]
        return statistics.median(values) if values else None

    @property
    def parallel_workers(self) -> int | None:
        """Workers of a parallel mode (None for a serial one): a command's as declared,
        dbfleet's from its databases."""
        if not self.mode.parallel:
            return None
        return self.mode.workers or self.workers

    def load(self, field: str) -> float | None:
        """The median over runs of one of ``Load``'s figures (None where none was measured)."""
        values = [
            value
            for run in self.runs
            if run.load is not None and (value := getattr(run.load, field)) is not None
        ]
        return statistics.median(values) if values else None

    def profile(self) -> Profile | None:
        """This mode's wall, seconds in tests and CPU, medians over runs, for the bound of the
        parallel modes that follow it."""
        summaries = self.summaries()
        if not summaries:
            return None
        tests = statistics.median(summary.summed for summary in summaries)
        return Profile(self.median, tests, self.load("cpu"))

    def load_json(self) -> dict[str, float | None]:
        return {
            "busy_cores": _rounded(self.load("busy_cores")),
            "peak_cores": _rounded(self.load("peak_cores")),
            "pytest_cpu_seconds": _rounded(self.load("pytest_cpu")),
            "server_cpu_seconds": _rounded(self.load("server_cpu")),
            "iowait_seconds": _rounded(self.load("iowait")),
        }

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


def _database_per_test(run: Run) -> float | None:
    tests = sum(run.totals.values())
    if not tests:
        return None
    if run.database_seconds is not None:
        return run.database_seconds / tests
    if not run.report or not run.provisioning:
        return None
    prov = run.provisioning
    spent = sum(float(x) for x in prov.get("database_seconds") or [])
    if not prov.get("template_reused"):
        spent += float(prov.get("template_seconds") or 0.0)
    isolation = run.report.get("isolation") or {}
    spent += sum(float(level.get("seconds", 0.0)) for level in isolation.values())
    return spent / tests


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
        """The outcome baseline: the first mode."""
        return self.modes[0]

    @property
    def baselines(self) -> list[ModeResult]:
        """The modes speedups are quoted against: the first, and every one marked baseline."""
        return [self.modes[0], *(m for m in self.modes[1:] if m.mode.baseline)]

    def speedup(self, mode: ModeResult, against: ModeResult | None = None) -> float:
        return (against or self.baseline).median / mode.median

    def label(self, mode: ModeResult) -> str:
        return mode.mode.label(self.workers)

    def reference(self, mode: ModeResult) -> ModeResult | None:
        """The serial run a parallel mode is bounded by: the last serial mode before it (the
        demo's ``handwritten -n N`` by ``handwritten``, dbfleet's modes by ``serial``)."""
        if mode.parallel_workers is None:
            return None
        index = self.modes.index(mode)
        earlier = [other for other in self.modes[:index] if other.mode.parallel is False]
        return earlier[-1] if earlier else None

    def limit(self, mode: ModeResult) -> dict[str, Any] | None:
        """The bound a perfect ``-n N`` could reach given its serial reference's profile
        (``bench.limit``), the efficiency against it, and the naive one (speed-up / N)."""
        reference = self.reference(mode)
        workers = mode.parallel_workers
        profile = reference.profile() if reference is not None else None
        if reference is None or workers is None or profile is None:
            return None
        cores = int(self.machine.get("cpus") or 1)
        seconds = bound(profile, workers, cores)
        return {
            "reference": reference.mode.name,
            "workers": workers,
            "cores": cores,
            "bound_seconds": round(seconds, 3),
            "efficiency": round(seconds / mode.median, 3) if mode.median > 0 else None,
            "naive_efficiency": round(naive_efficiency(reference.median, mode.median, workers), 3),
        }

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
                    "speedup_against": {
                        other.mode.name: round(self.speedup(mode, other), 3)
                        for other in self.baselines
                    },
                    "efficiency": _rounded(mode.efficiency),
                    "first_test_seconds": _rounded(mode.first_test),
                    "database_seconds_per_test": _rounded(mode.database_per_test, 5),
                    "load": mode.load_json(),
                    "cpu_bound": self.limit(mode),
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


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _seconds(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.1f}ms" if unit == "ms" else f"{value:.2f}s"


def _outcomes(totals: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in totals.items() if n) or "no tests"


def _rows(result: BenchResult) -> list[list[str]]:
    baselines = result.baselines
    rows = [
        [
            "mode",
            "wall (median)",
            "spread",
            *(f"vs {result.label(b)}" for b in baselines),
            "efficiency",
            "first test",
            "db/test",
            "outcomes",
            "databases",
            "template",
        ]
    ]
    if any(mode.coverage is not None for mode in result.modes):
        rows[0].append("coverage")
    for mode in result.modes:
        walls = [run.wall_seconds for run in mode.runs]
        efficiency = mode.efficiency
        row = [
            result.label(mode),
            f"{mode.median:.2f}s",
            f"{min(walls):.2f}-{max(walls):.2f}s",
            *(f"{result.speedup(mode, b):.2f}x" for b in baselines),
            "-" if efficiency is None else f"{efficiency * 100:.0f}%",
            _seconds(mode.first_test),
            _seconds(mode.database_per_test, "ms"),
            _outcomes(mode.runs[0].totals),
            mode.provisioning_line(),
            mode.template_line(),
        ]
        if len(rows[0]) > len(row):
            row.append(f"{mode.coverage:.1f}%" if mode.coverage is not None else "-")
        rows.append(row)
    return rows


def _load_rows(result: BenchResult) -> list[list[str]]:
    """Where each mode's time went on this machine, and how close it came to its bound."""
    rows = [
        [
            "mode",
            "busy cores",
            "cpu pytest",
            "cpu db server",
            "iowait",
            "bound -n N",
            "vs bound",
            "speed-up/N",
        ]
    ]
    for mode in result.modes:
        busy, peak = mode.load("busy_cores"), mode.load("peak_cores")
        cores = "-" if busy is None else f"{busy:.1f}"
        if peak is not None:
            cores += f" (peak {peak:.1f})"
        limit = result.limit(mode)
        rows.append(
            [
                result.label(mode),
                cores,
                _seconds(mode.load("pytest_cpu")),
                _seconds(mode.load("server_cpu")),
                _seconds(mode.load("iowait")),
                "-" if limit is None else f"{limit['bound_seconds']:.2f}s",
                _percent(limit["efficiency"] if limit else None),
                _percent(limit["naive_efficiency"] if limit else None),
            ]
        )
    return rows


def _measured(result: BenchResult) -> bool:
    return any(run.load is not None for mode in result.modes for run in mode.runs)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _verdict(result: BenchResult) -> list[str]:
    lines = []
    if result.identical:
        lines.append(f"outcomes: identical to {result.label(result.baseline)}'s in every mode")
    for mode in result.modes:
        for diff in mode.differences:
            lines.append(
                f"outcome differs in {mode.mode.name}: {diff.nodeid} "
                f"({diff.baseline} in {result.label(result.baseline)}, {diff.outcome} here)"
            )
    if result.coverage_differs:
        lines.append("coverage differs between modes")
    return lines


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def render_terminal(result: BenchResult) -> str:
    lines = _aligned(_rows(result))
    if _measured(result):
        lines += ["", *_aligned(_load_rows(result))]
    return "\n".join([*lines, "", *_verdict(result)])


def _markdown_table(rows: list[list[str]]) -> list[str]:
    table = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return table + ["| " + " | ".join(row) + " |" for row in rows[1:]]


def render_markdown(result: BenchResult) -> str:
    table = _markdown_table(_rows(result))
    if _measured(result):
        table += ["", *_markdown_table(_load_rows(result))]
    machine = result.machine
    header = (
        f"**dbfleet bench** on `{result.suite}`: {machine['cpus']} CPUs, Python "
        f"{machine['python']}, median of {result.repeat} run(s), `--dist {result.dist}`"
    )
    return "\n".join([header, "", *table, "", *(f"- {line}" for line in _verdict(result))]) + "\n"
