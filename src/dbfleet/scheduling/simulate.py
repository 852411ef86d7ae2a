"""Simulated runs of a suite under xdist's policies and under dbfleet's, in simulated seconds.

A simulation takes the suite's TRUE costs (what the tests will take) and, separately, the
ESTIMATES a duration-aware policy plans with (what the store says, which is wrong by some
noise); only ``static`` and ``dbfleet`` read estimates. Workers follow xdist's rules: a test's
scoped fixtures are paid whenever a worker enters its file or class from another one, and a
worker starts a test only once it knows its next test or has been told to shut down (the
worker protocol needs ``nextitem`` to decide teardown), so every policy must keep two tests
pending per worker. These are the constraints that make the policies differ; the bench
(``bench/scheduling.py``) compares them against the lower bound.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Protocol

from dbfleet.scheduling.queue import LongestFirstQueue, balance_units, dispatch_order
from dbfleet.scheduling.units import (
    Estimates,
    Granularity,
    Item,
    group_units,
    scopes_of,
)


class Policy(str, Enum):
    """The policies compared; the first three are xdist's own ``--dist`` modes."""

    LOAD = "load"
    LOADFILE = "loadfile"
    WORKSTEAL = "worksteal"
    STATIC = "static"
    DBFLEET = "dbfleet"


@dataclass(frozen=True)
class Workload:
    """A suite: tests in collection order, each test's seconds, each scope's fixture seconds.

    It answers :class:`~dbfleet.scheduling.units.Estimates`, so the same object serves as the
    truth and, through :meth:`with_noise`, as the estimates a policy plans with.
    """

    tests: tuple[str, ...]
    seconds: Mapping[str, float]
    overheads: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", MappingProxyType(dict(self.seconds)))
        object.__setattr__(self, "overheads", MappingProxyType(dict(self.overheads)))

    def test_seconds(self, nodeid: str) -> float:
        return self.seconds[nodeid]

    def unit_overhead(self, scope: str) -> float:
        return self.overheads.get(scope, 0.0)

    def item(self, nodeid: str) -> Item:
        return Item(nodeid, self.seconds[nodeid], scopes_of(nodeid))

    def with_noise(self, sigma: float, rng: random.Random) -> Workload:
        """The same suite as a store would estimate it: each number off by a lognormal factor."""
        return Workload(
            tests=self.tests,
            seconds={t: s * rng.lognormvariate(0.0, sigma) for t, s in self.seconds.items()},
            overheads={k: s * rng.lognormvariate(0.0, sigma) for k, s in self.overheads.items()},
        )


@dataclass(frozen=True)
class Simulation:
    """The outcome of one simulated run: wall time, and how long each worker was busy."""

    policy: Policy
    makespan: float
    busy: tuple[float, ...]

    @property
    def idle(self) -> float:
        """Worker-seconds spent waiting: what a better schedule could have used."""
        return self.makespan * len(self.busy) - sum(self.busy)


def lower_bound(workload: Workload, workers: int) -> float:
    """No policy can finish sooner: max(all work / W, the longest single test with its fixtures).

    Each test runs once and each scope is entered at least once, so the work is at least the sum
    of both; a test cannot be split, so it is also at least its own cost.
    """
    items = [workload.item(nodeid) for nodeid in workload.tests]
    if not items:
        return 0.0
    scopes = {scope for item in items for scope in item.scopes}
    total = sum(item.seconds for item in items) + sum(workload.unit_overhead(s) for s in scopes)
    longest = max(
        item.seconds + sum(workload.unit_overhead(s) for s in item.scopes) for item in items
    )
    return max(total / workers, longest)


def simulate(
    policy: Policy,
    workload: Workload,
    workers: int,
    *,
    estimates: Estimates | None = None,
    split: Granularity | None = Granularity.TEST,
) -> Simulation:
    """Run ``workload`` under ``policy`` on ``workers`` simulated workers.

    ``estimates`` (default: the truth) feed the duration-aware policies; ``split`` is the finest
    granularity they may cut files into.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    source = workload if estimates is None else estimates
    dispatcher = _DISPATCHERS[policy](workload, workers, source, split)
    fleet = _Fleet(workload, workers)
    fleet.run(dispatcher)
    return Simulation(policy, fleet.makespan, tuple(w.busy for w in fleet.workers))


class _Dispatcher(Protocol):
    def start(self, fleet: _Fleet) -> None: ...

    def completed(self, fleet: _Fleet, worker: int, seconds: float) -> None: ...

    def has_pending(self) -> bool: ...


@dataclass
class _Worker:
    queue: deque[Item] = field(default_factory=deque)
    entered: tuple[str, ...] = ()
    running: bool = False
    shut: bool = False
    busy: float = 0.0
    started: float = 0.0
    finished: float = 0.0


class _Fleet:
    """Workers running their queued tests in simulated time, event by event."""

    def __init__(self, workload: Workload, workers: int) -> None:
        self.workload = workload
        self.workers = [_Worker() for _ in range(workers)]
        self.now = 0.0
        self._events: list[tuple[float, int]] = []

    @property
    def makespan(self) -> float:
        return max(worker.finished for worker in self.workers)

    def queued(self, worker: int) -> int:
        """Tests sent to ``worker`` and not yet finished, the one running included."""
        return len(self.workers[worker].queue)

    def send(self, worker: int, nodeids: Iterable[str]) -> None:
        self.workers[worker].queue.extend(self.workload.item(n) for n in nodeids)

    def take_back(self, worker: int, count: int) -> list[str]:
        queue = self.workers[worker].queue
        return [queue.pop().nodeid for _ in range(count)][::-1]

    def shutdown(self, worker: int) -> None:
        self.workers[worker].shut = True

    def run(self, dispatcher: _Dispatcher) -> None:
        dispatcher.start(self)
        self._settle(dispatcher)
        while self._events:
            self.now, index = heapq.heappop(self._events)
            worker = self.workers[index]
            worker.queue.popleft()
            worker.running = False
            worker.finished = self.now
            dispatcher.completed(self, index, self.now - worker.started)
            self._settle(dispatcher)
        left = sum(len(worker.queue) for worker in self.workers)
        if left or dispatcher.has_pending():
            raise RuntimeError(f"simulation stalled with {left} tests queued")

    def _settle(self, dispatcher: _Dispatcher) -> None:
        # xdist's DSession shuts every worker down once nothing is pending anywhere and no
        # worker holds two tests: that is what lets the last queued tests start.
        if not dispatcher.has_pending() and all(len(w.queue) < 2 for w in self.workers):
            for worker in self.workers:
                worker.shut = True
        for index, worker in enumerate(self.workers):
            if worker.running or not worker.queue:
                continue
            if len(worker.queue) < 2 and not worker.shut:
                continue
            item = worker.queue[0]
            fresh = [scope for scope in item.scopes if scope not in worker.entered]
            seconds = item.seconds + sum(self.workload.unit_overhead(s) for s in fresh)
            worker.entered = item.scopes
            worker.running = True
            worker.started = self.now
            worker.busy += seconds
            heapq.heappush(self._events, (self.now + seconds, index))


class _Load:
    """xdist ``load``: consecutive chunks of tests in collection order, refilled when low.

    Each worker starts with a quarter of its fair share of tests; when its queue drops below a
    quarter of what is left per worker it is topped up to a half, so chunks shrink towards the
    end. Cheap and order-preserving, but blind to durations: a slow file collected last runs
    last, and a file spread over several workers pays its module fixtures on each.
    """

    def __init__(
        self, workload: Workload, workers: int, estimates: Estimates, split: Granularity | None
    ) -> None:
        self.pending = deque(workload.tests)
        self.size = workers

    def has_pending(self) -> bool:
        return bool(self.pending)

    def _send(self, fleet: _Fleet, worker: int, count: int) -> None:
        fleet.send(worker, [self.pending.popleft() for _ in range(min(count, len(self.pending)))])

    def start(self, fleet: _Fleet) -> None:
        if len(self.pending) < 2 * self.size:
            for index in range(len(self.pending)):
                self._send(fleet, index % self.size, 1)
        else:
            chunk = max((len(self.pending) // self.size) // 4, 2)
            for worker in range(self.size):
                self._send(fleet, worker, chunk)
        if not self.pending:
            for worker in range(self.size):
                fleet.shutdown(worker)

    def completed(self, fleet: _Fleet, worker: int, seconds: float) -> None:
        if fleet.workers[worker].shut:
            return
        if not self.pending:
            fleet.shutdown(worker)
            return
        low = max(2, len(self.pending) // self.size // 4)
        high = max(2, len(self.pending) // self.size // 2)
        queued = fleet.queued(worker)
        if queued < low and not (seconds >= 0.1 and queued >= 2):
            self._send(fleet, worker, high - queued)


class _LoadFile:
    """xdist ``loadfile``: whole files to whichever worker runs low, most tests first.

    Files are never split, so module fixtures are paid once, and (since xdist 3.6's default
    ``--loadscope-reorder``) files with more tests go first. But test count is not time, and a
    worker is given its next file while two of its tests are still pending, so one long file
    still bounds the run.
    """

    def __init__(
        self, workload: Workload, workers: int, estimates: Estimates, split: Granularity | None
    ) -> None:
        files: dict[str, list[str]] = {}
        for nodeid in workload.tests:
            files.setdefault(scopes_of(nodeid)[0], []).append(nodeid)
        self.queue = deque(sorted(files.values(), key=lambda tests: -len(tests)))
        self.size = workers

    def has_pending(self) -> bool:
        return bool(self.queue)

    def start(self, fleet: _Fleet) -> None:
        used = min(self.size, len(self.queue))
        for worker in range(used, self.size):
            fleet.shutdown(worker)
        for worker in range(used):
            fleet.send(worker, self.queue.popleft())
        for worker in range(used):
            self.completed(fleet, worker, 0.0)

    def completed(self, fleet: _Fleet, worker: int, seconds: float) -> None:
        if fleet.workers[worker].shut:
            return
        if not self.queue:
            fleet.shutdown(worker)
        elif fleet.queued(worker) <= 2:
            fleet.send(worker, self.queue.popleft())


class _WorkSteal:
    """xdist ``worksteal``: an even split in collection order, then idle workers steal.

    A worker down to its last test takes half the queue of the worker with the most tests
    pending. It corrects imbalance without any durations, but it counts tests, not seconds, so
    it may steal cheap tests from a worker stuck behind an expensive one, and stolen tests pay
    their file's fixtures again on the thief.
    """

    def __init__(
        self, workload: Workload, workers: int, estimates: Estimates, split: Granularity | None
    ) -> None:
        self.pending = deque(workload.tests)
        self.size = workers

    def has_pending(self) -> bool:
        return bool(self.pending)

    def start(self, fleet: _Fleet) -> None:
        self._balance(fleet)

    def completed(self, fleet: _Fleet, worker: int, seconds: float) -> None:
        self._balance(fleet)

    def _balance(self, fleet: _Fleet) -> None:
        while True:
            up = [w for w in range(self.size) if not fleet.workers[w].shut]
            idle = [w for w in up if fleet.queued(w) < 2]
            if not idle:
                return
            if self.pending:
                for position, worker in enumerate(idle):
                    count = len(self.pending) // (len(idle) - position)
                    fleet.send(worker, [self.pending.popleft() for _ in range(count)])
                idle = [w for w in up if fleet.queued(w) < 2]
                if not idle:
                    return
            victim = max(up, key=fleet.queued, default=None)
            queued = 0 if victim is None else fleet.queued(victim)
            steal = min(queued // 2, queued - 2)
            if victim is None or steal <= 0:
                for worker in idle:
                    fleet.shutdown(worker)
                return
            self.pending.extend(fleet.take_back(victim, steal))


class _Static:
    """A duration-balanced split fixed before the run (as pytest-split's, per worker).

    The same units as dbfleet, assigned longest-first to the worker with the least estimated
    load, then run with no correction: every estimate error lands on the wall time, because a
    worker that finishes early cannot help one that runs late.
    """

    def __init__(
        self, workload: Workload, workers: int, estimates: Estimates, split: Granularity | None
    ) -> None:
        units = balance_units(group_units(workload.tests, estimates, split=split), workers)
        self.plan: list[list[str]] = [[] for _ in range(workers)]
        heap = [(0.0, worker) for worker in range(workers)]
        for unit in dispatch_order(units):
            load, worker = heapq.heappop(heap)
            self.plan[worker].extend(unit.tests)
            heapq.heappush(heap, (load + unit.estimate, worker))

    def has_pending(self) -> bool:
        return False

    def start(self, fleet: _Fleet) -> None:
        for worker, tests in enumerate(self.plan):
            fleet.send(worker, tests)
            fleet.shutdown(worker)

    def completed(self, fleet: _Fleet, worker: int, seconds: float) -> None:
        return


class _Dbfleet:
    """dbfleet: :class:`~dbfleet.scheduling.queue.LongestFirstQueue` over file units.

    Every worker first gets one unit (so the longest units start at once on different workers),
    then each is topped up whenever it is about to start its last pending test, which is the
    latest xdist allows. Estimates only set the order; a wrong one delays one worker, and the
    others keep pulling.
    """

    def __init__(
        self, workload: Workload, workers: int, estimates: Estimates, split: Granularity | None
    ) -> None:
        units = group_units(workload.tests, estimates, split=split)
        self.estimate = {item.nodeid: item.seconds for unit in units for item in unit.items}
        self.queue = LongestFirstQueue(units, workers)
        self.size = workers

    def has_pending(self) -> bool:
        return bool(self.queue)

    def _give(self, fleet: _Fleet, worker: int) -> bool:
        state = fleet.workers[worker]
        busy_for = sum(self.estimate[item.nodeid] for item in state.queue)
        if state.running:
            busy_for -= min(fleet.now - state.started, self.estimate[state.queue[0].nodeid])
        unit = self.queue.next_for(f"gw{worker}", now=fleet.now, busy_for=busy_for)
        if unit is None:
            fleet.shutdown(worker)
            return False
        fleet.send(worker, unit.tests)
        return True

    def start(self, fleet: _Fleet) -> None:
        for worker in range(self.size):
            self._give(fleet, worker)
        for worker in range(self.size):
            self.completed(fleet, worker, 0.0)

    def completed(self, fleet: _Fleet, worker: int, seconds: float) -> None:
        while not fleet.workers[worker].shut and fleet.queued(worker) < 2:
            if not self._give(fleet, worker):
                return


_DISPATCHERS: Mapping[
    Policy, Callable[[Workload, int, Estimates, Granularity | None], _Dispatcher]
] = {
    Policy.LOAD: _Load,
    Policy.LOADFILE: _LoadFile,
    Policy.WORKSTEAL: _WorkSteal,
    Policy.STATIC: _Static,
    Policy.DBFLEET: _Dbfleet,
}
