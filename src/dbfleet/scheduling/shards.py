"""Deterministic CI shard plans: which units each of N machines runs, balanced by wall time.

A shard's wall time is not its summed seconds: it runs on its own W workers, so it ends when
its longest worker does. Placement therefore models each shard as the dbfleet queue would run
it (units cut into pieces of at most the per-worker share, pieces to the least loaded worker)
and puts each unit, longest first, where the resulting makespan is smallest. The plan's
prediction is the queue itself simulated on each shard's units.

Every shard job computes the plan on its own, so it must come out the same everywhere: units
are sorted by id, ties are broken by id and shard number, and nothing depends on hash seeds or
input order. It must also be stable: when a test is added, units should stay on the shard they
ran on (caches, flaky-test history and people's expectations follow them). Pass the previous
plan's ``assignment``: its units keep their shard, new units are placed greedily, and units are
moved only when the sticky plan is predicted more than ``tolerance`` slower than a fresh one,
then one at a time, each shortening the slowest shard, at most ``n_shards`` per plan. Stability
thus costs up to ``tolerance`` of wall time (more for a run or two after a large drift); a fresh
plan (no ``previous``) is as balanced as the greedy gets, but may move any unit.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbfleet.errors import ConfigError
from dbfleet.scheduling.durations import DurationStore
from dbfleet.scheduling.queue import balance_units, dispatch_order, predicted_makespan
from dbfleet.scheduling.units import Granularity, Unit, group_units

SCHEMA = "dbfleet-shard-plan/1"

#: How much slower (predicted) a sticky plan may be than a fresh one before units move.
TOLERANCE = 0.10


@dataclass(frozen=True)
class Shard:
    """One CI job's share: ``number`` is 1-based, as in ``--dbfleet-shard K/N``."""

    number: int
    units: tuple[str, ...]
    tests: tuple[str, ...]
    estimate: float
    predicted_wall: float
    empty_reason: str | None = None

    @property
    def empty(self) -> bool:
        return not self.tests


@dataclass(frozen=True)
class ShardPlan:
    """Every test in exactly one shard, with each shard's predicted wall time."""

    workers_per_shard: int
    shards: tuple[Shard, ...]
    moved: tuple[str, ...] = ()

    @property
    def n_shards(self) -> int:
        return len(self.shards)

    @property
    def predicted_wall(self) -> float:
        """When the last shard is predicted to finish: the CI run's wall time."""
        return max((shard.predicted_wall for shard in self.shards), default=0.0)

    @property
    def assignment(self) -> dict[str, int]:
        """Shard number of every test: what the next plan takes as ``previous``."""
        return {test: shard.number for shard in self.shards for test in shard.tests}

    def shard(self, number: int) -> Shard:
        if not 1 <= number <= self.n_shards:
            raise ValueError(f"shard {number} does not exist; shards are 1..{self.n_shards}")
        return self.shards[number - 1]

    def to_json(self) -> dict[str, Any]:
        return {
            "moved": list(self.moved),
            "n_shards": self.n_shards,
            "predicted_wall": round(self.predicted_wall, 3),
            "schema": SCHEMA,
            "shards": [
                {
                    "empty_reason": shard.empty_reason,
                    "estimate": round(shard.estimate, 3),
                    "number": shard.number,
                    "predicted_wall": round(shard.predicted_wall, 3),
                    "tests": list(shard.tests),
                    "units": list(shard.units),
                }
                for shard in self.shards
            ],
            "workers_per_shard": self.workers_per_shard,
        }


def assignment_from_json(data: Mapping[str, Any]) -> dict[str, int]:
    """The ``previous`` assignment from a saved plan; empty if it is not one this code wrote."""
    if data.get("schema") != SCHEMA:
        return {}
    return {test: int(shard["number"]) for shard in data["shards"] for test in shard["tests"]}


def load_assignment(path: Path) -> tuple[dict[str, int], int | None]:
    """A saved plan's assignment and shard count, for ``dbfleet plan --previous`` and
    ``--dbfleet-shard-plan`` alike; one line of ``ConfigError`` however the file is broken
    (a plan of no tests is a plan: its assignment is empty)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ConfigError(
            f"dbfleet: shard plan {path} cannot be read; write it with "
            "`dbfleet plan --shards N -o PATH`"
        ) from None
    except ValueError:
        data = None
    try:
        if isinstance(data, dict) and data.get("schema") == SCHEMA:
            shards = data.get("n_shards")
            return assignment_from_json(data), shards if isinstance(shards, int) else None
    except (KeyError, ValueError, TypeError, AttributeError):
        pass
    raise ConfigError(f"dbfleet: {path} is not a plan dbfleet plan -o wrote; write it anew")


class _ShardModel:
    """One shard as the queue would run it: pieces longest first onto its least loaded worker."""

    def __init__(self, workers: int, capacity: float) -> None:
        self.workers = [0.0] * workers
        self.capacity = capacity
        self.total = 0.0

    def with_unit(self, unit: Unit) -> list[float]:
        loads = list(self.workers)
        for piece in dispatch_order(unit.pieces(self.capacity)):
            heapq.heapreplace(loads, loads[0] + piece.estimate)
        return loads

    def add(self, unit: Unit) -> None:
        self.workers = self.with_unit(unit)
        self.total += unit.estimate

    @property
    def makespan(self) -> float:
        return max(self.workers)


def _models(
    assignment: Mapping[str, int], units: Sequence[Unit], n: int, workers: int, capacity: float
) -> list[_ShardModel]:
    models = [_ShardModel(workers, capacity) for _ in range(n)]
    for unit in dispatch_order(units):
        models[assignment[unit.id] - 1].add(unit)
    return models


def _place(units: Iterable[Unit], models: list[_ShardModel], assignment: dict[str, int]) -> None:
    """Each unit, longest first, where the shard's predicted makespan grows least."""
    for unit in dispatch_order(units):
        best = min(
            range(len(models)),
            key=lambda i: (max(models[i].with_unit(unit)), models[i].total, i),
        )
        models[best].add(unit)
        assignment[unit.id] = best + 1


def _sticky_shard(unit: Unit, previous: Mapping[str, int], n: int) -> int | None:
    """Where most of the unit's tests ran before; None for a unit that is new (or all moved)."""
    votes = Counter(previous[t] for t in unit.tests if t in previous and 1 <= previous[t] <= n)
    if not votes:
        return None
    return min(votes, key=lambda number: (-votes[number], number))


def _worst(models: Sequence[_ShardModel]) -> float:
    return max(model.makespan for model in models)


def _rebalance(
    units: Sequence[Unit],
    assignment: dict[str, int],
    target: float,
    models: list[_ShardModel],
) -> list[str]:
    """Move units off the slowest shard, one per step, until within ``target``.

    At most one move per shard per plan, each strictly shortening the slowest shard: a plan
    that drifted far converges over a few runs instead of reshuffling in one.
    """
    moved: list[str] = []
    by_id = {unit.id: unit for unit in units}
    n = len(models)
    workers, capacity = len(models[0].workers), models[0].capacity

    def rebuilt(members: Iterable[Unit]) -> _ShardModel:
        model = _ShardModel(workers, capacity)
        for member in dispatch_order(members):
            model.add(member)
        return model

    for _ in range(n):
        worst = _worst(models)
        if worst <= target:
            break
        slowest = max(range(n), key=lambda i: (models[i].makespan, -i))
        members = [by_id[u] for u in sorted(assignment) if assignment[u] == slowest + 1]
        best: tuple[float, int, int] | None = None
        for index, unit in enumerate(members):
            without = rebuilt(members[:index] + members[index + 1 :])
            for shard in range(n):
                if shard == slowest:
                    continue
                rest = max(
                    (m.makespan for i, m in enumerate(models) if i not in (slowest, shard)),
                    default=0.0,
                )
                makespan = max(rest, without.makespan, max(models[shard].with_unit(unit)))
                if makespan < (worst if best is None else best[0]) - 1e-9:
                    best = (makespan, index, shard)
        if best is None:
            break
        _, index, shard = best
        unit = members[index]
        assignment[unit.id] = shard + 1
        models[slowest] = rebuilt(members[:index] + members[index + 1 :])
        models[shard].add(unit)
        moved.append(unit.id)
    return sorted(set(moved))


def plan_shards(
    units: Iterable[Unit],
    n_shards: int,
    workers_per_shard: int,
    *,
    previous: Mapping[str, int] | None = None,
    worker_seconds: float = 0.0,
    tolerance: float = TOLERANCE,
) -> ShardPlan:
    """Split ``units`` over ``n_shards`` CI jobs of ``workers_per_shard`` workers each.

    ``previous`` maps nodeids to the shard numbers of the last plan (:attr:`ShardPlan.assignment`)
    to keep units where they were; ``worker_seconds`` is each worker's fixed cost (start,
    collection, database), added to every non-empty shard's predicted wall time.
    """
    if n_shards < 1 or workers_per_shard < 1:
        raise ValueError("n_shards and workers_per_shard must be at least 1")
    ordered = sorted(units, key=lambda unit: unit.id)
    seen: set[str] = set()
    for unit in ordered:
        duplicated = seen.intersection(unit.tests)
        if duplicated:
            raise ValueError(f"test {min(duplicated)!r} is in more than one unit")
        seen.update(unit.tests)
    total = sum(unit.estimate for unit in ordered)
    capacity = total / (n_shards * workers_per_shard) if total else 1.0

    fresh: dict[str, int] = {}
    _place(ordered, [_ShardModel(workers_per_shard, capacity) for _ in range(n_shards)], fresh)
    assignment = fresh
    moved: list[str] = []
    if previous:
        assignment = {}
        models = [_ShardModel(workers_per_shard, capacity) for _ in range(n_shards)]
        new = []
        for unit in dispatch_order(ordered):
            shard = _sticky_shard(unit, previous, n_shards)
            if shard is None:
                new.append(unit)
            else:
                assignment[unit.id] = shard
                models[shard - 1].add(unit)
        _place(new, models, assignment)
        fresh_worst = _worst(_models(fresh, ordered, n_shards, workers_per_shard, capacity))
        target = math.inf if math.isinf(tolerance) else fresh_worst * (1 + tolerance)
        moved = _rebalance(ordered, assignment, target, models)

    shards = []
    for number in range(1, n_shards + 1):
        mine = [unit for unit in ordered if assignment[unit.id] == number]
        tests = tuple(test for unit in mine for test in unit.tests)
        reason = None
        if not tests:
            reason = (
                f"{len(ordered)} units for {n_shards} shards: nothing to run here"
                if len(ordered) < n_shards
                else "every unit runs sooner on another shard"
            )
        shards.append(
            Shard(
                number=number,
                units=tuple(unit.id for unit in mine),
                tests=tests,
                estimate=sum(unit.estimate for unit in mine),
                predicted_wall=(
                    predicted_makespan(balance_units(mine, workers_per_shard), workers_per_shard)
                    + worker_seconds
                    if mine
                    else 0.0
                ),
                empty_reason=reason,
            )
        )
    return ShardPlan(workers_per_shard, tuple(shards), tuple(moved))


def plan_for_tests(
    nodeids: Sequence[str],
    groups: Mapping[str, str],
    estimates: DurationStore,
    n_shards: int,
    workers_per_shard: int,
    *,
    previous: Mapping[str, int] | None = None,
    tolerance: float = float("inf"),
) -> ShardPlan:
    """The plan ``--dbfleet-shard`` and ``dbfleet plan`` both use: file units, ``xdist_group``
    groups kept whole, estimates and worker cost from the duration store. Same inputs, same
    plan, on every machine.

    With a saved plan as ``previous``, its units stay where they are and only new ones are
    placed; the default ``tolerance`` (none) means a shard job never moves a unit on its own,
    since moves belong to the one place that writes the plan (``dbfleet plan --previous``)."""
    units = group_units(nodeids, estimates, Granularity.FILE, groups=groups)
    return plan_shards(
        units,
        n_shards,
        workers_per_shard,
        previous=previous,
        worker_seconds=estimates.worker_seconds,
        tolerance=tolerance,
    )
