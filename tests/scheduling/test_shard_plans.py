from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from simulate import Workload

from dbfleet.scheduling.queue import balance_units, predicted_makespan
from dbfleet.scheduling.shards import ShardPlan, assignment_from_json, plan_shards
from dbfleet.scheduling.units import Unit, group_units


def _units(files: list[list[float]], overhead: float = 0.0) -> tuple[Unit, ...]:
    tests = tuple(
        f"f{n:02d}.py::t{i}" for n, durations in enumerate(files) for i in range(len(durations))
    )
    seconds = {
        f"f{n:02d}.py::t{i}": s
        for n, durations in enumerate(files)
        for i, s in enumerate(durations)
    }
    overheads = {f"f{n:02d}.py": overhead for n in range(len(files))}
    return group_units(tests, Workload(tests, seconds, overheads))


suites = st.builds(
    _units,
    st.lists(st.lists(st.floats(0.01, 30.0), min_size=1, max_size=8), min_size=1, max_size=14),
    st.floats(0.0, 3.0),
)
shape = st.tuples(st.integers(1, 6), st.integers(1, 4))


def _tests(units: tuple[Unit, ...]) -> list[str]:
    return sorted(t for u in units for t in u.tests)


@settings(deadline=None)
@given(suites, shape)
def test_every_plan_covers_each_test_exactly_once(
    units: tuple[Unit, ...], sizes: tuple[int, int]
) -> None:
    plan = plan_shards(units, *sizes)
    assert sorted(t for shard in plan.shards for t in shard.tests) == _tests(units)
    assert [shard.number for shard in plan.shards] == list(range(1, sizes[0] + 1))


@settings(deadline=None)
@given(suites, shape, st.randoms(use_true_random=False))
def test_plans_are_deterministic_whatever_the_input_order(
    units: tuple[Unit, ...], sizes: tuple[int, int], rng: random.Random
) -> None:
    shuffled = list(units)
    rng.shuffle(shuffled)
    assert plan_shards(shuffled, *sizes) == plan_shards(units, *sizes)


@settings(deadline=None)
@given(suites, shape, st.floats(0.01, 30.0))
def test_adding_a_file_moves_at_most_one_existing_unit_per_shard(
    units: tuple[Unit, ...], sizes: tuple[int, int], new_seconds: float
) -> None:
    before = plan_shards(units, *sizes)
    added = (*units, _new_file(new_seconds))
    after = plan_shards(added, *sizes, previous=before.assignment)
    assert sorted(t for shard in after.shards for t in shard.tests) == _tests(added)
    changed = {
        u.id
        for u in units
        if {after.assignment[t] for t in u.tests} != {before.assignment[t] for t in u.tests}
    }
    assert changed == set(after.moved)
    assert len(after.moved) <= sizes[0]


def _new_file(seconds: float) -> Unit:
    tests = ("zz_new.py::t",)
    (unit,) = group_units(tests, Workload(tests, {"zz_new.py::t": seconds}))
    return unit


def test_adding_a_test_to_a_balanced_plan_moves_nothing() -> None:
    rng = random.Random(7)
    files = [[rng.lognormvariate(0, 1) for _ in range(rng.randint(1, 12))] for _ in range(40)]
    before = plan_shards(_units(files), 4, 2)
    files[3].append(0.5)
    after = plan_shards(_units(files), 4, 2, previous=before.assignment)
    assert after.moved == ()
    assert all(after.assignment[t] == s for t, s in before.assignment.items())
    assert after.assignment["f03.py::t" + str(len(files[3]) - 1)] == before.assignment["f03.py::t0"]


def test_a_plan_that_drifted_is_pulled_back_with_few_moves() -> None:
    units = _units([[5.0] for _ in range(12)])
    lopsided = {t: 1 for u in units for t in u.tests}
    plan = plan_shards(units, 3, 1, previous=lopsided)
    assert 0 < len(plan.moved) <= 3
    assert plan.predicted_wall < 60.0


def test_more_shards_than_units_leaves_empty_shards_that_say_why() -> None:
    plan = plan_shards(_units([[1.0], [2.0]]), 4, 2)
    empty = [shard for shard in plan.shards if shard.empty]
    assert len(empty) == 2
    assert all(shard.empty_reason == "2 units for 4 shards: nothing to run here" for shard in empty)
    assert all(shard.empty_reason is None for shard in plan.shards if not shard.empty)


def test_a_shard_is_planned_by_its_wall_time_not_its_summed_seconds() -> None:
    # A 30 s test and forty 1 s files on 2 shards of 4 workers. Equal sums (35 : 35) would add
    # files to the long test's shard for nothing: it ends at 30 s whatever its other workers
    # do. By wall time, the files all go where they finish soonest.
    units = (*_units([[1.0] for _ in range(40)]), _new_file(30.0))
    plan = plan_shards(units, 2, 4)
    long_shard = plan.shard(plan.assignment["zz_new.py::t"])
    other = plan.shard(3 - long_shard.number)
    assert long_shard.units == ("zz_new.py",)
    assert other.estimate > long_shard.estimate
    assert plan.predicted_wall == pytest.approx(30.0)
    assert other.predicted_wall == pytest.approx(10.0)


def test_each_shards_prediction_is_its_queue_makespan_plus_the_worker_cost() -> None:
    units = _units([[1.0, 2.0], [3.0], [4.0, 0.5], [2.5]])
    plan = plan_shards(units, 2, 2, worker_seconds=1.5)
    for shard in plan.shards:
        mine = [u for u in units if u.id in shard.units]
        expected = predicted_makespan(balance_units(mine, 2), 2) + 1.5
        assert shard.predicted_wall == pytest.approx(expected)


def test_previous_shard_numbers_beyond_the_shard_count_are_ignored() -> None:
    units = _units([[1.0], [1.0], [1.0]])
    plan = plan_shards(units, 2, 1, previous={t: 7 for u in units for t in u.tests})
    assert sorted(plan.assignment.values()) == [1, 1, 2]


def test_the_json_plan_gives_back_its_assignment() -> None:
    plan = plan_shards(_units([[1.0, 2.0], [3.0], [0.5]]), 2, 2)
    data = json.loads(json.dumps(plan.to_json()))
    assert data["schema"] == "dbfleet-shard-plan/1"
    assert [s["number"] for s in data["shards"]] == [1, 2]
    assert assignment_from_json(data) == plan.assignment
    assert assignment_from_json({"schema": "something else"}) == {}


def test_a_test_in_two_units_is_refused() -> None:
    (unit,) = _units([[1.0]])
    with pytest.raises(ValueError, match="more than one unit"):
        plan_shards([unit, unit], 2, 1)


def test_asking_for_a_shard_that_does_not_exist_says_which_do() -> None:
    plan: ShardPlan = plan_shards(_units([[1.0]]), 2, 1)
    with pytest.raises(ValueError, match=r"1\.\.2"):
        plan.shard(3)
