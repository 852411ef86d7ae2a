"""The dispatch policy: the longest pending unit goes to whichever worker asks for work next.

Longest-first (LPT) because the unit handed out last decides how unevenly workers finish: with
the long units dispatched first, the tail is made of short ones that fill the gaps. Dynamic
(workers pull when free, nothing is assigned up front) because estimates are wrong: a unit that
runs long only delays the worker running it, and the others keep pulling. Whatever the errors,
list scheduling ends within ``total / W + (1 - 1/W) * longest unit`` (Graham, 1966); with exact
estimates LPT is also within ``4/3 - 1/(3W)`` of the optimal makespan (Graham, 1969).

Units longer than their fair share cannot be balanced by ordering alone, so before dispatch
:func:`balance_units` cuts large units into contiguous pieces, but only where the predicted
makespan, which charges every piece its scoped fixtures again, gets shorter.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from dbfleet.scheduling.units import Unit

#: Piece sizes tried, as fractions of the ideal per-worker share (total / W). Finer pieces even
#: out the tail but pay scoped fixtures once more per piece; the prediction picks between them.
CUT_FRACTIONS = (1.0, 1 / 2, 1 / 4, 1 / 8)


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
    """The units to dispatch: the given ones, with large ones cut if that shortens the run.

    Every unit longer than ``share * fraction`` is cut into pieces of at most that size, for each
    fraction in :data:`CUT_FRACTIONS`; the candidate with the shortest predicted makespan wins,
    and a tie goes to fewer cuts (fewer fixture setups). Returned in dispatch order.
    """
    whole = dispatch_order(units)
    best, best_makespan = whole, predicted_makespan(whole, workers) if whole else 0.0
    share = sum(unit.estimate for unit in whole) / workers
    for fraction in CUT_FRACTIONS:
        capacity = share * fraction
        cut = [piece for unit in whole for piece in unit.pieces(capacity)]
        if len(cut) == len(best):
            continue
        makespan = predicted_makespan(cut, workers)
        if makespan < best_makespan * (1 - 1e-9):
            best, best_makespan = dispatch_order(cut), makespan
    return tuple(best)


class LongestFirstQueue:
    """Hands out units longest-estimate-first to whichever worker asks; the policy, not the I/O.

    An xdist worker must know its next test before it starts one, so the scheduler asks
    ``next_for`` when a worker is about to start its last pending test, not when it is idle,
    and the unit is committed that early. Committing the longest unit to a worker about to
    start a 15-minute test would idle the rest of the fleet at the end, so the request says how
    long the worker is still busy (``busy_for``) and the queue keeps, per worker, when it
    expects it to ask next: a worker expected to be the k-th to come free gets the k-th longest
    pending unit, which is what longest-first dispatch would have given it at that time. With
    ``busy_for=0`` that is always the longest. ``None`` means: shut the worker down.
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
        tests the worker already holds; both are estimates, and only their order matters.
        """
        if not self._pending:
            self._free_at.pop(worker, None)
            return None
        free = now + busy_for
        ahead = sum(
            1 for other, at in self._free_at.items() if other != worker and max(at, now) < free
        )
        unit = self._pending.pop(min(ahead, len(self._pending) - 1))
        self._free_at[worker] = free + unit.estimate
        self._assigned.setdefault(worker, []).append(unit.id)
        return unit

    def push_back(self, unit: Unit) -> None:
        """Return a unit (or what is left of it) whose worker died before running it."""
        self._pending = dispatch_order([*self._pending, unit])

    def forget(self, worker: str) -> None:
        """A worker is gone: stop expecting it to ask, so it no longer defers others' turns."""
        self._free_at.pop(worker, None)
