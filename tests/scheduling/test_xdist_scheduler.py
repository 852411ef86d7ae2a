"""The xdist scheduler against recording nodes: no processes, as xdist tests its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from dbfleet.scheduling.durations import Conditions, DurationStore, Phases, Recording
from dbfleet.scheduling.units import Granularity
from dbfleet.scheduling.xdist import DbfleetScheduling, split_group


@dataclass(frozen=True)
class Gateway:
    id: str


@dataclass(eq=False)
class MockNode:
    id: str
    sent: list[int] = field(default_factory=list)
    shutting_down: bool = False

    @property
    def gateway(self) -> Gateway:
        return Gateway(self.id)

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def _store(seconds: dict[str, float]) -> DurationStore:
    tests = {nodeid: Phases(0.0, value, 0.0) for nodeid, value in seconds.items()}
    return DurationStore().record(Recording(under=Conditions(), at=1.0, tests=tests))


COLLECTION = [
    "a.py::t1",
    "a.py::t2",
    "b.py::t1",
    "b.py::t2",
    "c.py::t1",
    "c.py::t2",
]


def _started(
    store: DurationStore, nodes: list[MockNode], collection: list[str]
) -> DbfleetScheduling:
    sched = DbfleetScheduling(len(nodes), store, Granularity.FILE)
    for node in nodes:
        sched.add_node(node)
    for node in nodes:
        sched.add_node_collection(node, collection)
    assert sched.collection_is_completed
    sched.schedule()
    return sched


def _run_all(sched: DbfleetScheduling, nodes: list[MockNode]) -> dict[str, list[str]]:
    """Complete tests in turn until every node is done; the tests each node ran, in order."""
    ran: dict[str, list[str]] = {node.id: [] for node in nodes}
    assert sched.collection is not None
    while not sched.tests_finished:
        progressed = False
        for node in nodes:
            pending = sched.node2pending.get(node, [])
            if pending:
                index = pending[0]
                ran[node.id].append(sched.collection[index])
                sched.mark_test_complete(node, index)
                progressed = True
        assert progressed
    for node in nodes:
        for index in sched.node2pending.get(node, []):
            ran[node.id].append(sched.collection[index])
    return ran


def test_longest_unit_goes_out_first() -> None:
    store = _store(
        {
            "a.py::t1": 0.1,
            "a.py::t2": 0.1,
            "b.py::t1": 1,
            "b.py::t2": 1,
            "c.py::t1": 5,
            "c.py::t2": 5,
        }
    )
    nodes = [MockNode("gw0"), MockNode("gw1")]
    _started(store, nodes, COLLECTION)
    first = {COLLECTION[node.sent[0]].partition("::")[0] for node in nodes}
    assert first == {"c.py", "b.py"}


def test_every_test_runs_once_and_files_stay_whole() -> None:
    nodes = [MockNode("gw0"), MockNode("gw1"), MockNode("gw2")]
    sched = _started(DurationStore(), nodes, COLLECTION)
    ran = _run_all(sched, nodes)
    everything = sorted(test for tests in ran.values() for test in tests)
    assert everything == sorted(COLLECTION)
    for path in ("a.py", "b.py", "c.py"):
        holders = {w for w, tests in ran.items() if any(t.startswith(path) for t in tests)}
        assert len(holders) == 1


def test_group_tagged_tests_share_a_worker() -> None:
    collection = ["a.py::t1@g", "a.py::t2", "b.py::t1@g", "b.py::t2", "c.py::t1"]
    nodes = [MockNode("gw0"), MockNode("gw1")]
    ran = _run_all(_started(DurationStore(), nodes, collection), nodes)
    holders = {w for w, tests in ran.items() if any(t.endswith("@g") for t in tests)}
    assert len(holders) == 1
    assert sorted(t for tests in ran.values() for t in tests) == sorted(collection)


def test_a_dead_workers_unrun_tests_go_to_the_others() -> None:
    nodes = [MockNode("gw0"), MockNode("gw1")]
    sched = _started(DurationStore(), nodes, COLLECTION)
    dead = nodes[0]
    assert sched.collection is not None
    held = [sched.collection[i] for i in sched.node2pending[dead]]
    crashed = sched.remove_node(dead)
    assert crashed == held[0]
    # xdist replaces a crashed worker: the new one collects and asks for work.
    replacement = MockNode("gw2")
    sched.add_node(replacement)
    sched.add_node_collection(replacement, COLLECTION)
    sched.schedule()
    ran = _run_all(sched, [nodes[1], replacement])
    assert sorted(t for tests in ran.values() for t in tests) == sorted(set(COLLECTION) - {crashed})


def test_no_tests_finishes_at_once() -> None:
    nodes = [MockNode("gw0")]
    sched = _started(DurationStore(), nodes, [])
    assert sched.tests_finished
    assert not sched.has_pending


def test_group_suffix_is_split_but_not_inside_parameters() -> None:
    assert split_group("a.py::t@grp") == ("a.py::t", "grp")
    assert split_group("a.py::t[x@y]") == ("a.py::t[x@y]", None)


def _units(
    group_names: list[str | None] | None = None, side_channel: dict[str, str] | None = None
) -> set[str]:
    """The unit ids two workers were given for ``COLLECTION``."""
    nodes = [MockNode("gw0"), MockNode("gw1")]
    channel = side_channel or {}
    sched = DbfleetScheduling(2, DurationStore(), Granularity.FILE, groups=lambda: channel)
    for node in nodes:
        sched.add_node(node)
    for node in nodes:
        if group_names is None:
            sched.add_node_collection(node, COLLECTION)  # xdist up to 3.8
        else:
            sched.add_node_collection(node, COLLECTION, group_names)  # newer xdist
    sched.schedule()
    return {unit for assigned in sched.assigned.values() for unit in assigned}


def test_group_names_sent_by_xdist_join_tests_across_files() -> None:
    assert "@db" in _units(group_names=["db", None, "db", None, None, None])


def test_without_group_names_the_side_channel_still_groups() -> None:
    assert "@db" in _units(side_channel={"a.py::t1": "db", "b.py::t1": "db"})


def test_with_neither_no_group_unit_exists() -> None:
    assert not any(unit.startswith("@") for unit in _units())
