from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from simulate import Workload

from dbfleet.scheduling.queue import (
    LongestFirstQueue,
    balance_units,
    dispatch_order,
    predicted_loads,
    predicted_makespan,
)
from dbfleet.scheduling.units import Granularity, Item, Unit, group_units


def _unit(name: str, seconds: float) -> Unit:
    return Unit(name, (Item(f"{name}::t", seconds, (name,)),))


def _units(*seconds: float) -> list[Unit]:
    return [_unit(f"u{i}.py", s) for i, s in enumerate(seconds)]


def _next(queue: LongestFirstQueue, worker: str, now: float = 0.0, busy_for: float = 0.0) -> Unit:
    unit = queue.next_for(worker, now=now, busy_for=busy_for)
    assert unit is not None
    return unit


def test_the_longest_unit_goes_out_first() -> None:
    queue = LongestFirstQueue(_units(1.0, 5.0, 3.0), workers=2, balance=False)
    assert [_next(queue, "gw0").id for _ in range(3)] == ["u1.py", "u2.py", "u0.py"]


def test_ties_are_broken_by_id_so_every_machine_dispatches_alike() -> None:
    units = [_unit("b.py", 1.0), _unit("c.py", 1.0), _unit("a.py", 1.0)]
    assert [u.id for u in dispatch_order(units)] == ["a.py", "b.py", "c.py"]


def test_an_empty_queue_shuts_the_worker_down() -> None:
    queue = LongestFirstQueue([], workers=2)
    assert queue.next_for("gw0") is None
    assert len(queue) == 0


def test_a_worker_still_busy_gets_what_longest_first_would_leave_it() -> None:
    sizes = [10.0, 2.0, 3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.3]
    queue = LongestFirstQueue(_units(*sizes), workers=2, balance=False)
    assert _next(queue, "gw0").id == "u0.py"
    assert _next(queue, "gw1").id == "u2.py"
    # gw0 must know its next test before it starts its 10 s one; gw1 will be free much sooner.
    later = _next(queue, "gw0", busy_for=10.0)
    assert later.estimate < max(u.estimate for u in queue.pending)
    assert _next(queue, "gw1", now=3.0).estimate == max(sizes[3:])


def test_a_worker_that_would_find_nothing_left_is_shut_down() -> None:
    queue = LongestFirstQueue(_units(10.0, 2.0, 1.0), workers=2, balance=False)
    queue.next_for("gw0")
    queue.next_for("gw1")
    assert queue.next_for("gw0", busy_for=10.0) is None
    assert _next(queue, "gw1", now=2.0).id == "u2.py"


def test_a_returned_unit_goes_back_in_longest_first_order() -> None:
    queue = LongestFirstQueue(_units(5.0, 3.0, 1.0), workers=1, balance=False)
    queue.push_back(_next(queue, "gw0"))
    assert [u.id for u in queue.pending] == ["u0.py", "u1.py", "u2.py"]


def test_the_queue_records_what_each_worker_was_given() -> None:
    queue = LongestFirstQueue(_units(5.0, 3.0), workers=2, balance=False)
    queue.next_for("gw0")
    queue.next_for("gw1")
    assert queue.assigned == {"gw0": ("u0.py",), "gw1": ("u1.py",)}


def test_balancing_cuts_a_file_longer_than_the_share() -> None:
    tests = (*(f"big.py::t{i}" for i in range(20)), "a.py::t", "b.py::t")
    units = group_units(tests, Workload(tests, dict.fromkeys(tests, 1.0)))
    balanced = balance_units(units, workers=4)
    assert predicted_makespan(balanced, 4) <= 6.0
    assert sorted(t for u in balanced for t in u.tests) == sorted(tests)


def test_balancing_keeps_a_file_whole_when_its_fixture_makes_cutting_slower() -> None:
    tests = (*(f"big.py::t{i}" for i in range(4)), "a.py::t")
    workload = Workload(tests, dict.fromkeys(tests, 1.0), {"big.py": 100.0})
    balanced = balance_units(group_units(tests, workload), workers=2)
    assert [u.id for u in balanced] == ["big.py", "a.py"]


def test_class_granularity_cuts_only_between_classes() -> None:
    tests = tuple(f"big.py::T{c}::t{i}" for c in range(4) for i in range(5))
    units = group_units(tests, Workload(tests, dict.fromkeys(tests, 1.0)), split=Granularity.CLASS)
    for piece in balance_units(units, workers=4):
        assert len({t.split("::")[1] for t in piece.tests}) == 1


durations = st.lists(st.floats(0.01, 100.0), min_size=1, max_size=40)


@given(durations, st.integers(1, 16))
def test_dispatch_ends_within_grahams_list_scheduling_bound(
    seconds: list[float], workers: int
) -> None:
    # Graham (1966): any greedy list schedule ends by total/W + (1 - 1/W) * longest.
    units = _units(*seconds)
    bound = sum(seconds) / workers + (1 - 1 / workers) * max(seconds)
    assert predicted_makespan(units, workers) <= bound * (1 + 1e-9)


def _optimum(seconds: list[float], workers: int) -> float:
    return min(
        max(sum(s for s, w in zip(seconds, choice, strict=True) if w == k) for k in range(workers))
        for choice in itertools.product(range(workers), repeat=len(seconds))
    )


@given(st.lists(st.floats(0.01, 100.0), min_size=1, max_size=7), st.integers(1, 3))
def test_longest_first_is_within_grahams_four_thirds_of_the_optimum(
    seconds: list[float], workers: int
) -> None:
    # Graham (1969): LPT <= (4/3 - 1/(3W)) * OPT, against the true optimum (brute-forced here).
    lpt = predicted_makespan(_units(*seconds), workers)
    assert lpt <= (4 / 3 - 1 / (3 * workers)) * _optimum(seconds, workers) * (1 + 1e-9)


def test_four_thirds_of_the_simple_lower_bound_is_not_a_theorem() -> None:
    # Four equal units on three workers: LPT (and the optimum) take 2, the bound says 4/3.
    simple = max(4 / 3, 1.0)
    assert predicted_makespan(_units(1, 1, 1, 1), 3) == 2.0 > 4 / 3 * simple


@given(durations, st.integers(1, 8), st.randoms(use_true_random=False))
def test_balancing_ignores_the_order_units_arrive_in(
    seconds: list[float], workers: int, rng: random.Random
) -> None:
    units = _units(*seconds)
    shuffled = list(units)
    rng.shuffle(shuffled)
    assert balance_units(shuffled, workers) == balance_units(units, workers)


@given(durations, st.integers(1, 8))
def test_predicted_loads_account_for_every_second(seconds: list[float], workers: int) -> None:
    assert sum(predicted_loads(_units(*seconds), workers)) == pytest.approx(sum(seconds))
