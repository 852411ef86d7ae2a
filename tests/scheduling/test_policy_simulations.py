from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from simulate import Policy, Workload, lower_bound, simulate

from dbfleet.scheduling.units import Granularity, scopes_of


def _suite(files: list[list[float]], overhead: float = 0.0) -> Workload:
    tests: list[str] = []
    seconds: dict[str, float] = {}
    for number, durations in enumerate(files):
        for index, duration in enumerate(durations):
            nodeid = f"tests/test_{number:02d}.py::test_{index}"
            tests.append(nodeid)
            seconds[nodeid] = duration
    overheads = {scopes_of(t)[0]: overhead for t in tests}
    return Workload(tuple(tests), seconds, overheads)


suites = st.builds(
    _suite,
    st.lists(st.lists(st.floats(0.001, 20.0), min_size=1, max_size=12), min_size=1, max_size=10),
    st.floats(0.0, 5.0),
)


@settings(max_examples=60, deadline=None)
@given(suites, st.integers(1, 12), st.sampled_from(list(Policy)), st.floats(0.0, 1.0))
def test_no_policy_beats_the_lower_bound_or_loses_a_test(
    workload: Workload, workers: int, policy: Policy, noise: float
) -> None:
    estimates = workload.with_noise(noise, random.Random(0))
    result = simulate(policy, workload, workers, estimates=estimates)
    assert result.makespan >= lower_bound(workload, workers) * (1 - 1e-9)
    assert sum(result.busy) >= sum(workload.seconds.values()) * (1 - 1e-9)
    assert len(result.busy) == workers


@pytest.mark.parametrize("policy", list(Policy))
def test_on_one_worker_every_policy_takes_the_serial_time(policy: Policy) -> None:
    workload = _suite([[1.0, 2.0], [3.0], [0.5, 0.5, 0.5]], overhead=1.0)
    assert simulate(policy, workload, 1).makespan == pytest.approx(7.5 + 3 * 1.0)


def test_loadfile_pays_each_files_fixtures_exactly_once() -> None:
    workload = _suite([[1.0] * 5 for _ in range(6)], overhead=2.0)
    result = simulate(Policy.LOADFILE, workload, 4)
    assert sum(result.busy) == pytest.approx(30.0 + 6 * 2.0)


def test_load_pays_a_files_fixtures_on_every_worker_it_spreads_to() -> None:
    workload = _suite([[1.0] * 40], overhead=2.0)
    result = simulate(Policy.LOAD, workload, 4)
    assert sum(result.busy) > 40.0 + 2.0


def test_one_slow_file_bounds_a_file_unit_but_not_a_test_unit() -> None:
    workload = _suite([[0.1] * 10 for _ in range(30)] + [[1.0] * 30], overhead=0.01)
    bound = lower_bound(workload, 8)
    slow_file = 30 * 1.0 + 0.01
    assert simulate(Policy.LOADFILE, workload, 8).makespan == pytest.approx(slow_file)
    # dbfleet_unit = file keeps the file whole, as loadfile does: it starts first, and bounds.
    assert simulate(Policy.DBFLEET, workload, 8).makespan == pytest.approx(slow_file)
    # dbfleet_unit = test lets the queue spread it, paying its fixtures on each worker.
    spread = simulate(Policy.DBFLEET, workload, 8, unit=Granularity.TEST)
    assert spread.makespan < 1.1 * bound


def test_a_giant_test_collected_last_starts_first_under_dbfleet() -> None:
    workload = _suite([[0.5] * 10 for _ in range(20)] + [[30.0]])
    bound = lower_bound(workload, 4)
    # The giant starts at once; with whole files the best is the giant plus one 5 s file.
    assert simulate(Policy.DBFLEET, workload, 4).makespan == pytest.approx(35.0)
    assert simulate(Policy.DBFLEET, workload, 4, unit=Granularity.TEST).makespan <= 1.05 * bound
    assert simulate(Policy.LOAD, workload, 4).makespan > 1.5 * bound


def test_the_dynamic_queue_absorbs_estimate_errors_that_a_static_plan_keeps() -> None:
    rng = random.Random(3)
    workload = _suite([[rng.lognormvariate(0, 1) for _ in range(8)] for _ in range(60)])
    estimates = workload.with_noise(0.5, random.Random(4))
    static = simulate(Policy.STATIC, workload, 8, estimates=estimates)
    dynamic = simulate(Policy.DBFLEET, workload, 8, estimates=estimates)
    assert dynamic.makespan < static.makespan


def test_simulations_are_deterministic() -> None:
    workload = _suite([[0.3, 1.2, 0.7] for _ in range(15)], overhead=0.2)
    estimates = workload.with_noise(0.3, random.Random(1))
    for policy in Policy:
        runs = {simulate(policy, workload, 4, estimates=estimates) for _ in range(3)}
        assert len(runs) == 1


def test_idle_time_is_what_the_workers_did_not_use() -> None:
    result = simulate(Policy.LOADFILE, _suite([[4.0], [1.0]]), 2)
    assert result.makespan == 4.0
    assert result.idle == pytest.approx(3.0)
