"""Simulated runs of a suite under the real schedulers, in simulated seconds.

The schedulers are the code that runs: xdist's own ``LoadScheduling``, ``LoadFileScheduling``
and ``WorkStealingScheduling``, and dbfleet's ``DbfleetScheduling``, each driven through
recording ``MockNode``s the way pytest-xdist's own tests drive them (``testing/test_dsession.py``),
with a clock that reads simulated time. Only the workers are simulated, following xdist's worker
protocol (``xdist/remote.py``): a worker starts a test only once it knows its next one or has
been told to shut down (it needs ``nextitem`` to decide teardown), a steal takes only tests it has
not yet picked up, and the controller shuts every worker down once the scheduler reports
``tests_finished``, as ``DSession.loop_once`` does.

A test's scoped fixtures are paid whenever a worker enters its file or class from another one.
A simulation takes the suite's TRUE costs (what the tests take) and, separately, the ESTIMATES a
duration-aware policy plans with (what the store says, which is wrong by some noise); only
``static`` and ``dbfleet`` read estimates. ``static`` (a split fixed before the run, as
pytest-split's) is the one policy with no scheduler of its own in xdist; it is simulated by
sending each worker its whole share up front.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType, SimpleNamespace
from typing import Any

from xdist.scheduler import LoadFileScheduling, LoadScheduling, WorkStealingScheduling

from dbfleet.scheduling.queue import balance_units, dispatch_order
from dbfleet.scheduling.units import Estimates, Granularity, Item, group_units, scopes_of
from dbfleet.scheduling.xdist import DbfleetScheduling


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
    unit: Granularity = Granularity.FILE,
) -> Simulation:
    """Run ``workload`` under ``policy`` on ``workers`` simulated workers.

    ``estimates`` (default: the truth) feed the duration-aware policies; ``unit`` is
    ``dbfleet_unit`` for the dbfleet scheduler, ``split`` the finest granularity ``static`` may
    cut files into.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    source = workload if estimates is None else estimates
    fleet = _Fleet(workload, workers)
    scheduler: Any
    if policy is Policy.DBFLEET:
        scheduler = DbfleetScheduling(workers, source, unit, clock=lambda: fleet.now)
    elif policy is Policy.STATIC:
        scheduler = _StaticScheduling(workers, source, split)
    else:
        scheduler = _XDIST[policy](_Config(workers), log=_Quiet())
    fleet.run(scheduler)
    return Simulation(policy, fleet.makespan, tuple(node.busy for node in fleet.nodes))


_XDIST: Mapping[Policy, Callable[..., Any]] = {
    Policy.LOAD: LoadScheduling,
    Policy.LOADFILE: LoadFileScheduling,
    Policy.WORKSTEAL: WorkStealingScheduling,
}


class _Quiet:
    """A silent stand-in for xdist's log ``Producer`` (``log.loadsched(...)`` and friends)."""

    def __getattr__(self, name: str) -> _Quiet:
        return self

    def __call__(self, *args: object) -> None:
        return None


class _Config:
    """The little of ``pytest.Config`` xdist's schedulers read: ``--tx``, their options, and a
    hook they call only when workers collected different tests."""

    def __init__(self, workers: int) -> None:
        # xdist 3.6+ defaults: --loadscope-reorder on, no --maxschedchunk.
        self.option = SimpleNamespace(tx=[f"{workers}*popen"], loadscopereorder=True)
        self.hook = SimpleNamespace(pytest_collectreport=lambda **kwargs: None)

    def getvalue(self, name: str) -> Any:
        return getattr(self.option, name)

    def getoption(self, name: str, default: Any = None) -> Any:
        return getattr(self.option, name, default)


@dataclass(eq=False)
class MockNode:
    """One simulated worker, as a scheduler sees it (``gateway.id``, ``shutting_down``, the
    ``send_*`` calls), recording what it was sent."""

    fleet: _Fleet
    index: int
    gateway: SimpleNamespace = field(init=False)
    queue: deque[int] = field(default_factory=deque)
    sent: list[int] = field(default_factory=list)
    entered: tuple[str, ...] = ()
    running: bool = False
    shutting_down: bool = False
    finished_all: bool = False
    busy: float = 0.0
    started: float = 0.0
    finished: float = 0.0

    def __post_init__(self) -> None:
        self.gateway = SimpleNamespace(id=f"gw{self.index}")

    def send_runtest_some(self, indices: Sequence[int]) -> None:
        self.queue.extend(indices)
        self.sent.extend(indices)

    def send_runtest_all(self) -> None:
        self.send_runtest_some(range(len(self.fleet.collection)))

    def shutdown(self) -> None:
        self.shutting_down = True

    def send_steal(self, indices: Sequence[int]) -> None:
        """All the requested tests or none, from those not yet picked up (xdist's ``steal``);
        the answer arrives as a later event, as the ``unscheduled`` message does."""
        picked = 2 if self.running else 1  # the running test, and the one known as next
        free = list(self.queue)[picked:]
        stolen = list(indices) if set(indices) <= set(free) else []
        for index in stolen:
            self.queue.remove(index)
        self.fleet.replies.append((self, stolen))


class _Fleet:
    """The workers running what their scheduler sends them, event by event, in simulated time."""

    def __init__(self, workload: Workload, workers: int) -> None:
        self.workload = workload
        self.collection = list(workload.tests)
        self.items = [workload.item(nodeid) for nodeid in self.collection]
        self.nodes = [MockNode(self, index) for index in range(workers)]
        self.now = 0.0
        self.replies: list[tuple[MockNode, list[int]]] = []
        self.ran: list[int] = []
        self._events: list[tuple[float, int]] = []

    @property
    def makespan(self) -> float:
        return max(node.finished for node in self.nodes)

    def run(self, scheduler: Any) -> None:
        for node in self.nodes:
            scheduler.add_node(node)
        for node in self.nodes:
            scheduler.add_node_collection(node, self.collection)
        scheduler.schedule()
        self._settle(scheduler)
        while self._events:
            self.now, index = heapq.heappop(self._events)
            node = self.nodes[index]
            test = node.queue.popleft()
            self.ran.append(test)
            node.running = False
            node.finished = self.now
            scheduler.mark_test_complete(node, test, self.now - node.started)
            self._settle(scheduler)
        left = sum(len(node.queue) for node in self.nodes)
        if left or scheduler.has_pending:
            raise RuntimeError(f"simulation stalled with {left} tests queued")
        if sorted(self.ran) != list(range(len(self.collection))):
            raise RuntimeError("a test ran twice or never")

    def _settle(self, scheduler: Any) -> None:
        while self.replies:
            node, stolen = self.replies.pop(0)
            scheduler.remove_pending_tests_from_node(node, stolen)
        if scheduler.tests_finished:
            for node in scheduler.nodes:  # DSession.triggershutdown
                node.shutdown()
        for node in self.nodes:
            if node.running or node.finished_all:
                continue
            if not node.queue:
                if node.shutting_down:
                    node.finished_all = True
                    if node in scheduler.nodes:  # DSession.worker_workerfinished
                        scheduler.remove_node(node)
                continue
            if len(node.queue) < 2 and not node.shutting_down:
                continue
            item = self.items[node.queue[0]]
            fresh = [scope for scope in item.scopes if scope not in node.entered]
            seconds = item.seconds + sum(self.workload.unit_overhead(s) for s in fresh)
            node.entered = item.scopes
            node.running = True
            node.started = self.now
            node.busy += seconds
            heapq.heappush(self._events, (self.now + seconds, node.index))


class _StaticScheduling:
    """A duration-balanced split fixed before the run (as pytest-split's, per worker).

    Units are assigned longest-first to the worker with the least estimated load, then run with
    no correction: every estimate error lands on the wall time, because a worker that finishes
    early cannot help one that runs late.
    """

    def __init__(self, workers: int, estimates: Estimates, split: Granularity | None) -> None:
        self.workers = workers
        self.estimates = estimates
        self.split = split
        self.nodes: list[MockNode] = []
        self.collection: list[str] = []
        self.has_pending = False
        self.tests_finished = False

    def add_node(self, node: MockNode) -> None:
        self.nodes.append(node)

    def add_node_collection(self, node: MockNode, collection: Sequence[str]) -> None:
        self.collection = list(collection)

    def schedule(self) -> None:
        units = group_units(self.collection, self.estimates, split=self.split)
        units = balance_units(units, self.workers)
        index = {nodeid: position for position, nodeid in enumerate(self.collection)}
        heap = [(0.0, worker) for worker in range(self.workers)]
        plan: list[list[int]] = [[] for _ in range(self.workers)]
        for unit in dispatch_order(units):
            load, worker = heapq.heappop(heap)
            plan[worker].extend(index[nodeid] for nodeid in unit.tests)
            heapq.heappush(heap, (load + unit.estimate, worker))
        for node, tests in zip(self.nodes, plan, strict=True):
            node.send_runtest_some(tests)
            node.shutdown()
        self.tests_finished = True

    def mark_test_complete(self, node: MockNode, index: int, duration: float) -> None:
        return

    def remove_node(self, node: MockNode) -> None:
        return
