"""The peers bench's numbers and tables, from the probe's files: pure functions, no pytest.

A row is one peer; its runs are what ``probe.py`` wrote (one file per process) plus the wall
time ``run.py`` took around the process.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100): a value that occurred, no interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def isolation_costs(processes: Iterable[Mapping[str, Any]]) -> list[float]:
    """Setup plus teardown of every test but each process's first and last: the first's setup
    also made the database (time to first test, counted apart), the last's teardown also ran
    the session fixtures' finalizers (a dropped database)."""
    costs: list[float] = []
    for process in processes:
        tests = list(process["tests"].values())
        costs.extend(t["setup"] + t["teardown"] for t in tests[1:-1])
    return costs


def outcomes(processes: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Every test's outcome in one run, whichever process ran it."""
    merged: dict[str, str] = {}
    for process in processes:
        for nodeid, test in process["tests"].items():
            merged[nodeid] = test.get("outcome", "error")
    return merged


def counts(run_outcomes: Mapping[str, str]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for outcome in run_outcomes.values():
        tally[outcome] = tally.get(outcome, 0) + 1
    return dict(sorted(tally.items()))


def compare(reference: Mapping[str, str], other: Mapping[str, str]) -> str:
    """``same`` when both ran the same test ids with the same outcomes, else what differs."""
    shared = reference.keys() & other.keys()
    only_ref = len(reference.keys() - other.keys())
    only_other = len(other.keys() - reference.keys())
    changed = sum(1 for nodeid in shared if reference[nodeid] != other[nodeid])
    if not (only_ref or only_other or changed):
        return "same"
    parts = []
    if changed:
        parts.append(f"{changed} outcomes differ")
    if only_ref:
        parts.append(f"{only_ref} ids missing")
    if only_other:
        parts.append(f"{only_other} extra ids")
    return ", ".join(parts)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


COLUMNS = (
    "peer",
    "first test s (serial / -n 2, slowest worker)",
    "isolation ms p50 / p95",
    "wall s serial",
    "wall s -n 2",
    "outcomes",
    "notes",
)


def cells(row: Mapping[str, Any]) -> list[str]:
    """One peer's table cells; a peer that did not run says why across the numbers."""
    if row.get("status") != "ran":
        return [row["peer"], f"not run: {row.get('reason', '?')}", "", "", "", "", ""]
    first = f"{_s(row['first_test_serial'])} / {_s(row['first_test_n2'])}"
    iso = f"{_ms(row['isolation_p50'])} / {_ms(row['isolation_p95'])}"
    return [
        row["peer"],
        first,
        iso,
        _s(row["wall_serial"]),
        _s(row["wall_n2"]),
        row["outcomes"],
        row.get("notes", ""),
    ]


def text_table(rows: Sequence[Mapping[str, Any]]) -> str:
    body = [list(COLUMNS), *(cells(r) for r in rows)]
    # A row that did not run says why in one long cell, which sets no column's width; notes,
    # the last column, are as long as they are.
    measured = [list(COLUMNS), *(cells(r) for r in rows if r.get("status") == "ran")]
    widths = [max(len(line[i]) for line in measured) for i in range(len(COLUMNS) - 1)] + [0]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in body
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    out = [line(COLUMNS), line(["---"] * len(COLUMNS))]
    out.extend(line(cells(r)) for r in rows)
    return "\n".join(out)
