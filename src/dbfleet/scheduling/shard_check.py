"""Did the shards run what was planned? One shard against its plan, and N shards together.

A shard plan is only a promise: a shard job can lose tests (a worker that crashed past xdist's
restarts, an import error that shrinks the collection on one machine), and a matrix can drop a
job or run one twice. Each of those leaves CI green while tests silently go unrun. So every shard
run records what it collected, what it was planned to run and what it ran (``ShardRun``, kept in
the run report), checks itself at the end (``problems_of``), and ``dbfleet verify-shards`` checks
the N reports together (``verify``): same collection everywhere, every test run exactly once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

#: Names listed in one problem line before the rest are counted; a line is read, not scrolled.
SHOWN = 3


def collection_digest(nodeids: Iterable[str]) -> str:
    """The collection's identity, independent of order: equal digests, equal test sets."""
    digest = hashlib.sha256()
    for nodeid in sorted(set(nodeids)):
        digest.update(nodeid.encode() + b"\n")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ShardRun:
    """One shard job's record: ``collection`` is every test it collected (after ``-k``/``-m``),
    ``planned`` the ones its plan gave it, ``ran`` the ones that reported an outcome,
    ``unplanned_missing`` tests a plan file gave this shard that were not collected here, and
    ``plan_sizes`` every shard's planned test count (an empty shard has no job to report)."""

    number: int
    total: int
    collection: tuple[str, ...]
    planned: tuple[str, ...]
    ran: tuple[str, ...] = ()
    unplanned_missing: tuple[str, ...] = ()
    plan_sizes: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return f"shard {self.number}/{self.total}"

    def with_ran(self, ran: Iterable[str]) -> ShardRun:
        return replace(self, ran=tuple(sorted(set(ran))))

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "total": self.total,
            "collection_digest": collection_digest(self.collection),
            "collection": sorted(self.collection),
            "planned": sorted(self.planned),
            "ran": sorted(self.ran),
            "planned_not_collected": sorted(self.unplanned_missing),
            "plan_sizes": list(self.plan_sizes),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShardRun:
        return cls(
            number=int(data["number"]),
            total=int(data["total"]),
            collection=tuple(data["collection"]),
            planned=tuple(data["planned"]),
            ran=tuple(data["ran"]),
            unplanned_missing=tuple(data.get("planned_not_collected", ())),
            plan_sizes=tuple(int(size) for size in data.get("plan_sizes", ())),
        )


def _names(nodeids: Iterable[str]) -> str:
    ordered = sorted(nodeids)
    shown = ", ".join(ordered[:SHOWN])
    rest = len(ordered) - SHOWN
    return shown + (f" (+{rest} more)" if rest > 0 else "")


def problems_of(run: ShardRun) -> list[str]:
    """Where one shard's run differs from its plan, one line each; empty when it ran exactly
    its planned tests."""
    planned, ran = set(run.planned), set(run.ran)
    problems = []
    if planned - ran:
        problems.append(
            f"{run.label} ran {len(planned & ran)} of its {len(planned)} planned tests; "
            f"not run: {_names(planned - ran)}"
        )
    if ran - planned:
        problems.append(f"{run.label} ran tests its plan did not give it: {_names(ran - planned)}")
    return problems


def notes_of(run: ShardRun) -> list[str]:
    """What deserves a look but is no failure: tests the saved plan gives this shard that are
    not collected here (deleted since the plan, or collected only elsewhere, which
    ``verify`` catches as differing collections)."""
    if not run.unplanned_missing:
        return []
    return [
        f"{run.label}: {len(run.unplanned_missing)} test(s) of the saved plan are not collected "
        f"here: {_names(run.unplanned_missing)}"
    ]


def verify(runs: Sequence[ShardRun]) -> list[str]:
    """Whether N shard runs together ran their collection exactly once; one line per problem."""
    if not runs:
        return ["no shard runs to verify"]
    problems: list[str] = []
    totals = sorted({run.total for run in runs})
    if len(totals) > 1:
        return [f"the runs come from different plans: N = {', '.join(map(str, totals))}"]
    total = totals[0]
    numbers = Counter(run.number for run in runs)
    for number in sorted(numbers):
        if numbers[number] > 1:
            problems.append(f"shard {number}/{total} appears {numbers[number]} times")
    # An empty shard has no job (``dbfleet plan --github-matrix`` leaves it out): not missing.
    sizes = next((run.plan_sizes for run in runs if len(run.plan_sizes) == total), ())
    absent = [
        str(n) for n in range(1, total + 1) if n not in numbers and (not sizes or sizes[n - 1])
    ]
    if absent:
        problems.append(f"no run of shard(s) {', '.join(absent)} of {total}")
    digests = {collection_digest(run.collection) for run in runs}
    if len(digests) > 1:
        problems.append(
            "the shards collected different tests (" + ", ".join(sorted(digests)) + "): "
            "run them on the same code, with the same -k/-m and the same dependencies"
        )
    for run in sorted(runs, key=lambda r: r.number):
        problems.extend(problems_of(run))
    collection = set().union(*(run.collection for run in runs))
    if not collection:
        problems.append("the shards collected no tests at all: check the working directory")
    counts = Counter(test for run in runs for test in set(run.ran))
    unrun = collection - set(counts)
    if unrun:
        problems.append(f"{len(unrun)} collected test(s) ran in no shard: {_names(unrun)}")
    twice = {test for test, n in counts.items() if n > 1}
    if twice:
        problems.append(f"{len(twice)} test(s) ran in more than one shard: {_names(twice)}")
    return problems
