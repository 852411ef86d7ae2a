"""Shard runs against their plan, and N shard runs against their collection."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from simulate import Workload

from dbfleet.scheduling.shard_check import (
    ShardRun,
    collection_digest,
    notes_of,
    problems_of,
    verify,
)
from dbfleet.scheduling.shards import plan_shards
from dbfleet.scheduling.units import group_units


def _runs_of_a_plan(files: list[int], n_shards: int) -> list[ShardRun]:
    tests = tuple(f"f{n}.py::t{i}" for n, count in enumerate(files) for i in range(count))
    units = group_units(tests, Workload(tests, dict.fromkeys(tests, 1.0), {}))
    plan = plan_shards(units, n_shards, 2)
    return [
        ShardRun(shard.number, n_shards, tests, shard.tests).with_ran(shard.tests)
        for shard in plan.shards
    ]


plans = st.tuples(st.lists(st.integers(1, 6), min_size=1, max_size=10), st.integers(1, 5))


@settings(deadline=None)
@given(plans)
def test_the_runs_of_any_plan_verify(plan: tuple[list[int], int]) -> None:
    assert verify(_runs_of_a_plan(*plan)) == []


@settings(deadline=None)
@given(plans, st.data())
def test_any_lost_test_is_named(plan: tuple[list[int], int], data: st.DataObject) -> None:
    runs = _runs_of_a_plan(*plan)
    victim = data.draw(st.sampled_from([run for run in runs if run.ran]))
    lost = data.draw(st.sampled_from(victim.ran))
    runs[runs.index(victim)] = victim.with_ran(set(victim.ran) - {lost})
    problems = verify(runs)
    assert any(lost in line for line in problems)
    assert any("ran in no shard" in line for line in problems)


def test_a_shard_that_ran_exactly_its_plan_has_no_problem() -> None:
    run = ShardRun(1, 2, ("a", "b", "c"), ("a", "b")).with_ran(["b", "a"])
    assert problems_of(run) == []


def test_a_shard_names_what_it_did_not_run_and_what_it_ran_unplanned() -> None:
    run = ShardRun(2, 3, ("a", "b", "c", "d"), ("a", "b", "c")).with_ran(["a", "d"])
    assert problems_of(run) == [
        "shard 2/3 ran 1 of its 3 planned tests; not run: b, c",
        "shard 2/3 ran tests its plan did not give it: d",
    ]


def test_long_lists_are_cut_to_a_readable_line() -> None:
    planned = tuple(f"t{i}" for i in range(10))
    [line] = problems_of(ShardRun(1, 1, planned, planned))
    assert line.endswith("not run: t0, t1, t2 (+7 more)")


def test_a_saved_plan_naming_uncollected_tests_is_a_note_not_a_problem() -> None:
    run = ShardRun(1, 1, ("a",), ("a",), unplanned_missing=("gone",)).with_ran(["a"])
    assert problems_of(run) == []
    assert notes_of(run) == ["shard 1/1: 1 test(s) of the saved plan are not collected here: gone"]


def test_runs_of_different_plans_are_refused() -> None:
    runs = [ShardRun(1, 2, ("a",), ("a",), ("a",)), ShardRun(1, 3, ("a",), (), ())]
    assert verify(runs) == ["the runs come from different plans: N = 2, 3"]


def test_the_digest_ignores_order_and_repeats() -> None:
    assert collection_digest(["b", "a", "a"]) == collection_digest(["a", "b"])
    assert collection_digest(["a"]) != collection_digest(["a", "b"])


def test_a_shard_run_survives_json() -> None:
    run = ShardRun(1, 2, ("a", "b"), ("a",), ("a",), ("x",))
    assert ShardRun.from_json(run.to_json()) == run


def test_an_empty_shard_without_a_run_is_not_missing() -> None:
    runs = [ShardRun(1, 3, ("a",), ("a",), ("a",), plan_sizes=(1, 0, 0))]
    assert verify(runs) == []
    runs = [ShardRun(1, 3, ("a", "b"), ("a",), ("a",), plan_sizes=(1, 1, 0))]
    assert "no run of shard(s) 2 of 3" in verify(runs)


def test_shards_that_collected_nothing_do_not_verify() -> None:
    assert verify([ShardRun(1, 1, (), (), ())]) == [
        "the shards collected no tests at all: check the working directory"
    ]
