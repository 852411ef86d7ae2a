"""The dispatch policy: the longest pending unit goes to whichever worker asks for work next.

Longest-first (LPT) because the unit handed out last decides how unevenly workers finish: with
the long units dispatched first, the tail is made of short ones that fill the gaps. Dynamic
(workers pull when free, nothing is assigned up front) because estimates are wrong: a unit that
runs long only delays the worker running it, and the others keep pulling. Pulling when free is
list scheduling, which ends within ``total / W + (1 - 1/W) * longest unit`` whatever the
estimates (Graham, 1966); with exact estimates LPT is also within ``4/3 - 1/(3W)`` of the
optimal makespan (Graham, 1969). Note the second bound is against the optimum, not against
``max(total / W, longest)``: four equal units on three workers take twice the unit, 3/2 of that.

Units longer than their fair share cannot be balanced by ordering alone, so before dispatch
:func:`balance_units` cuts large units into contiguous pieces where that shortens the run.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterable, Mapping, Sequence

from dbfleet.scheduling.units import Unit

#: Piece sizes tried, as fractions of the ideal per-worker share (total / W).
CUT_FRACTIONS = (1.0, 1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32)

#: Spread (sigma of the log) of the factor between a recorded estimate and the next run's
#: duration that cuts are judged against: database tests vary by about 30% run to run.
ESTIMATE_ERROR = 0.3

#: Replays per candidate cut: enough for a stable mean, few enough to plan in milliseconds.
REPLAYS = 8


def dispatch_order(units: Iterable[Unit]) -> list[Unit]:
    """Longest estimate first; ties by id so every machine dispatches in the same order."""
    return sorted(units, key=lambda unit: (-unit.estimate, unit.id))


def predicted_loads(units: Iterable[Unit], workers: int) -> tuple[float, ...]:
    """Each worker's busy seconds if the estimates were exact and units went out longest first."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    heap = [(0.0, worker) for worker in range(workers)]
    for unit in dispatch_order(units):
        load, worker = heapq.heappop(heap)
        heapq.heappush(heap, (load + unit.estimate, worker))
    loads = [0.0] * workers
    for load, worker in heap:
        loads[worker] = load
    return tuple(loads)


def predicted_makespan(units: Iterable[Unit], workers: int) -> float:
    return max(predicted_loads(units, workers))


def balance_units(units: Iterable[Unit], workers: int) -> tuple[Unit, ...]:
    """The units to dispatch: the given ones, with large ones cut where that pays.

    For each fraction in :data:`CUT_FRACTIONS`, every unit longer than ``share * fraction`` is
    cut into pieces of at most that size. Each candidate is judged by its mean makespan over
    :data:`REPLAYS` replays of longest-first dispatch in which every test and fixture deviates
    from its estimate by a lognormal factor of spread :data:`ESTIMATE_ERROR`, because that is
    the run the queue will face: exact estimates would favour a few share-sized pieces that
    pack perfectly on paper, and then every estimate error becomes idle workers at the end,
    while a tail of small pieces absorbs it. Finer cuts pay each piece's fixtures again, which
    the replays charge. Ties go to the coarser cut. Returned in dispatch order.
    """
    whole = dispatch_order(units)
    if not whole:
        return ()
    share = sum(unit.estimate for unit in whole) / workers
    errors = _estimate_errors(whole)
    best = whole
    best_makespan = _replayed_makespan(whole, workers, errors)
    for fraction in CUT_FRACTIONS:
        cut = dispatch_order(piece for unit in whole for piece in unit.pieces(share * fraction))
        if len(cut) == len(best):
            continue
        makespan = _replayed_makespan(cut, workers, errors)
        if makespan < best_makespan * (1 - 1e-9):
            best, best_makespan = cut, makespan
    return tuple(best)


_Errors = list[tuple[dict[str, float], dict[str, float]]]


def _estimate_errors(units: Sequence[Unit]) -> _Errors:
    """Per replay, a factor for every test and scope, drawn in sorted order for determinism."""
    nodeids = sorted(item.nodeid for unit in units for item in unit.items)
    scopes = sorted({scope for unit in units for scope in unit.overheads})
    draws: _Errors = []
    for replay in range(REPLAYS):
        rng = random.Random(replay)
        draws.append(
            (
                {nodeid: rng.lognormvariate(0.0, ESTIMATE_ERROR) for nodeid in nodeids},
                {scope: rng.lognormvariate(0.0, ESTIMATE_ERROR) for scope in scopes},
            )
        )
    return draws


def _replayed_makespan(units: Sequence[Unit], workers: int, errors: _Errors) -> float:
    total = 0.0
    for tests, scopes in errors:
        heap = [0.0] * workers
        for unit in units:
            seconds = sum(item.seconds * tests[item.nodeid] for item in unit.items)
            seconds += sum(overhead * scopes[scope] for scope, overhead in unit.overheads.items())
            heapq.heapreplace(heap, heap[0] + seconds)
        total += max(heap)
    return total / len(errors)


class LongestFirstQueue:
    """Hands out units longest-estimate-first to whichever worker asks; the policy, not the I/O.

    An xdist worker must know its next test before it starts one, so the scheduler asks
    ``next_for`` when a worker is about to start its last pending test, not when it is idle,
    and the unit is committed that early. Committing the longest unit to a worker about to
    start a 15-minute test would idle the rest of the fleet at the end, so the request says how
    long the worker is still busy (``busy_for``), the queue remembers when it expects each
    worker to come free, and it replays longest-first dispatch for the workers expected before
    this one: this one gets what would be left for it at its turn, or ``None`` (shut it down)
    if nothing would be. With ``busy_for=0`` that is always the longest pending unit.
    """

    def __init__(self, units: Iterable[Unit], workers: int, *, balance: bool = True) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        ordered = balance_units(units, workers) if balance else dispatch_order(units)
        self._pending: list[Unit] = list(ordered)
        self._assigned: dict[str, list[str]] = {}
        self._free_at: dict[str, float] = {}
        self.workers = workers

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def pending(self) -> tuple[Unit, ...]:
        """Units not yet handed out, next first."""
        return tuple(self._pending)

    @property
    def assigned(self) -> Mapping[str, tuple[str, ...]]:
        """Unit ids each worker was given, in order: the record the report and tests read."""
        return {worker: tuple(ids) for worker, ids in self._assigned.items()}

    def next_for(self, worker: str, *, now: float = 0.0, busy_for: float = 0.0) -> Unit | None:
        """The unit ``worker`` runs next, given the time and how long it is still busy.

        ``now`` is seconds since the run started, ``busy_for`` the estimated seconds left of the
        tests the worker already holds (0 for an idle worker).
        """
        if not self._pending:
            self._free_at.pop(worker, None)
            return None
        # Pessimistic by one typical error: a worker wrongly expected free early takes a unit
        # it then delays; one expected late only passes a unit to a worker that is free.
        free = now + busy_for * math.exp(ESTIMATE_ERROR)
        # Replay longest-first dispatch for the workers expected to come free before this one;
        # this one gets what would be the longest unit left at its turn. A worker already past
        # its expected time is running late by an unknown amount, so it is not waited for.
        others = [at for other, at in self._free_at.items() if other != worker and now < at]
        heapq.heapify(others)
        turn = 0
        while others and others[0] < free and turn < len(self._pending):
            heapq.heapreplace(others, others[0] + self._pending[turn].estimate)
            turn += 1
        if turn == len(self._pending):
            # Workers that come free sooner will take everything left: this one is done.
            self._free_at.pop(worker, None)
            return None
        unit = self._pending.pop(turn)
        self._free_at[worker] = free + unit.estimate
        self._assigned.setdefault(worker, []).append(unit.id)
        return unit

    def push_back(self, unit: Unit) -> None:
        """Return a unit (or what is left of it) whose worker died before running it."""
        self._pending = dispatch_order([*self._pending, unit])

    def forget(self, worker: str) -> None:
        """A worker is gone: stop expecting it to ask, so it no longer defers others' turns."""
        self._free_at.pop(worker, None)
