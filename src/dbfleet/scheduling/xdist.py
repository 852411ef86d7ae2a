"""The pytest-xdist scheduler that runs :class:`LongestFirstQueue`: units, longest estimate first.

Policy: tests are grouped into units (files by default, ``dbfleet_unit``), tests marked
``xdist_group`` form one unit per group, and each unit goes whole to one worker, so a file's
module fixtures are set up once, as under ``loadfile``. Units go out longest-estimate-first from
the duration store, and dynamically: a worker is given its next unit when it is about to start
its last pending test (an xdist worker must know its next test before it runs one, to decide
teardown), never up front. With no store every unit is estimated from its test count, which
orders files largest first: at worst the same dispatch as ``loadfile`` in a better order.

Why a flag and not ``--dist dbfleet``: xdist declares ``--dist`` with fixed argparse choices,
so ``dbfleet`` cannot be one without patching xdist. ``--dbfleet-dist`` instead makes
``pytest_xdist_make_scheduler`` return this class before xdist's own (whatever load-style
``--dist`` is set; ``-n`` alone means ``load``). The controller sees only nodeids, and xdist's
own ``loadgroup`` trick (appending ``@name`` to ``item._nodeid``) no longer works on pytest 9.2,
whose nodes keep their id elsewhere; so each worker writes its ``xdist_group`` names to a file
before reporting its collection, and ``groups`` reads them when scheduling starts. Newer xdist
sends the group names itself, as a third argument of ``add_node_collection`` (one name, or
None, per collected test); when it does, those are used and the files are not needed.

The class implements xdist's ``Scheduling`` protocol (``xdist/scheduler/protocol.py``) without
importing xdist: nodes are only used through ``gateway.id``, ``shutting_down``, ``shutdown()``
and ``send_runtest_some(indices)``, which keeps it testable with a tiny recording node.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dbfleet.scheduling.queue import LongestFirstQueue
from dbfleet.scheduling.units import Estimates, Granularity, Unit, group_units

#: A worker is topped up until it holds this many tests: one running, one to know as ``nextitem``.
MIN_PENDING = 2


def split_group(nodeid: str) -> tuple[str, str | None]:
    """A nodeid as xdist's loadgroup mode tags it (``test_a.py::t@name``): the test and group.

    An ``@`` inside parameter ids (``t[a@b]``) is not a group, as in xdist's own rule.
    """
    at = nodeid.rfind("@")
    if at > nodeid.rfind("]"):
        return nodeid[:at], nodeid[at + 1 :]
    return nodeid, None


class DbfleetScheduling:
    """Longest-estimate-first dispatch of whole units to whichever worker asks next."""

    def __init__(
        self,
        numnodes: int,
        estimates: Estimates,
        granularity: Granularity = Granularity.FILE,
        *,
        groups: Callable[[], Mapping[str, str]] = dict,
        log: Callable[..., None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.numnodes = numnodes
        self.estimates = estimates
        self.granularity = granularity
        self.groups = groups
        self.log = log or (lambda *args: None)
        self.clock = clock
        self.node2collection: dict[Any, list[str]] = {}
        self.node2pending: dict[Any, list[int]] = {}
        self.collection: list[str] | None = None
        self.queue: LongestFirstQueue | None = None
        self.started = 0.0
        self._index: dict[str, int] = {}
        self._unit_of: dict[int, Unit] = {}
        self._seconds: dict[int, float] = {}
        self._sent_groups: dict[str, str] | None = None

    # The Scheduling protocol.

    @property
    def nodes(self) -> list[Any]:
        return list(self.node2pending)

    @property
    def collection_is_completed(self) -> bool:
        return len(self.node2collection) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed or self.queue is None:
            return False
        if len(self.queue):
            return False
        return all(len(pending) < MIN_PENDING for pending in self.node2pending.values())

    @property
    def has_pending(self) -> bool:
        if self.queue is not None and len(self.queue):
            return True
        return any(self.node2pending.values())

    def add_node(self, node: Any) -> None:
        assert node not in self.node2pending
        self.node2pending[node] = []

    def add_node_collection(
        self,
        node: Any,
        collection: Sequence[str],
        group_names: Sequence[str | None] | None = None,
    ) -> None:
        assert node in self.node2pending
        # A replacement for a crashed worker must have collected the same tests.
        if self.collection is not None and list(collection) != self.collection:
            self.log("replacement worker collected different tests; not using it")
            return
        self.node2collection[node] = list(collection)
        if group_names is not None:
            named = zip(collection, group_names, strict=True)
            self._sent_groups = {nodeid: name for nodeid, name in named if name}

    def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
        self.node2pending[node].remove(item_index)
        self._top_up(node)

    def mark_test_pending(self, item: str) -> None:
        assert self.collection is not None
        assert self.queue is not None
        index = self.collection.index(item)
        self.queue.push_back(self._remainder(self._unit_of[index], [index]))
        for node in self.nodes:
            self._top_up(node)

    def remove_pending_tests_from_node(self, node: Any, indices: Sequence[int]) -> None:
        raise NotImplementedError("dbfleet scheduling does not steal work")

    def remove_node(self, node: Any) -> str | None:
        """A worker finished or died; a dead one's first pending test is the one it crashed in,
        and the rest of its units go back to the queue for the others."""
        pending = self.node2pending.pop(node)
        if self.queue is not None:
            self.queue.forget(_worker_id(node))
        if not pending:
            return None
        assert self.collection is not None
        assert self.queue is not None
        crashed = self.collection[pending.pop(0)]
        by_unit: dict[str, list[int]] = {}
        for index in pending:
            by_unit.setdefault(self._unit_of[index].id, []).append(index)
        for indices in by_unit.values():
            self.queue.push_back(self._remainder(self._unit_of[indices[0]], indices))
        for other in self.nodes:
            self._top_up(other)
        return crashed

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is not None:
            # A replacement worker joined: give it (and anyone short) work.
            for node in self.nodes:
                self._top_up(node)
            return
        collections = list(self.node2collection.values())
        if any(other != collections[0] for other in collections[1:]):
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = collections[0]
        self.started = self.clock()
        self._index = {nodeid: index for index, nodeid in enumerate(self.collection)}
        named = self._sent_groups if self._sent_groups is not None else self.groups()
        groups = {n: named.get(n) or split_group(n)[1] for n in self.collection}
        units = group_units(
            self.collection, self.estimates, self.granularity, groups=groups, split=None
        )
        for unit in units:
            for item in unit.items:
                index = self._index[item.nodeid]
                self._unit_of[index] = unit
                self._seconds[index] = item.seconds
        self.queue = LongestFirstQueue(units, max(len(self.nodes), 1), balance=False)
        if not self.collection:
            return
        # First every worker gets one unit, so none waits while another is topped up.
        for node in self.nodes:
            self._send_next(node)
        for node in self.nodes:
            self._top_up(node)

    # Dispatch.

    def _remainder(self, unit: Unit, indices: Sequence[int]) -> Unit:
        assert self.collection is not None
        wanted = {self.collection[index] for index in indices}
        items = tuple(item for item in unit.items if item.nodeid in wanted)
        return Unit(id=unit.id, items=items, overheads=unit.overheads, split=None)

    def _send_next(self, node: Any) -> bool:
        """Hand ``node`` its next unit; False (and shut it down) when the queue has none for it."""
        assert self.queue is not None
        if node.shutting_down:
            return False
        pending = self.node2pending[node]
        busy_for = sum(self._seconds.get(index, 0.0) for index in pending)
        unit = self.queue.next_for(
            _worker_id(node), now=self.clock() - self.started, busy_for=busy_for
        )
        if unit is None:
            node.shutdown()
            return False
        indices = [self._index[nodeid] for nodeid in unit.tests]
        for index in indices:
            self._unit_of[index] = unit
        pending.extend(indices)
        node.send_runtest_some(indices)
        return True

    def _top_up(self, node: Any) -> None:
        if self.queue is None or node not in self.node2pending:
            return
        while len(self.node2pending[node]) < MIN_PENDING and self._send_next(node):
            pass

    @property
    def assigned(self) -> dict[str, tuple[str, ...]]:
        """Unit ids each worker was given, in order (for tests and the report)."""
        return dict(self.queue.assigned) if self.queue is not None else {}


def _worker_id(node: Any) -> str:
    return str(node.gateway.id)


def xdist_groups(items: Sequence[Any]) -> dict[str, str]:
    """The ``xdist_group`` names of collected pytest items that carry the mark."""
    groups = {}
    for item in items:
        names = sorted(
            {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
        )
        if names:
            groups[item.nodeid] = "_".join(names)
    return groups
