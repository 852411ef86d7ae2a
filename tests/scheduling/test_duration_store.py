from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stores import SERIAL
from stores import recorded as _recorded

from dbfleet.scheduling.durations import (
    DEFAULT_TEST_SECONDS,
    SMOOTHING,
    Conditions,
    DurationStore,
    Phases,
    Recording,
    UnitTiming,
    WorkerTiming,
    merge,
    separate_overhead,
)


def test_a_recorded_test_is_estimated_at_its_total_seconds() -> None:
    store = DurationStore().record(
        Recording(under=SERIAL, at=1.0, tests={"a.py::t": Phases(0.5, 2.0, 0.25)})
    )
    assert store.test_seconds("a.py::t") == pytest.approx(2.75)


def test_contention_is_one_while_the_workers_fit_on_the_cpus() -> None:
    assert Conditions(workers=4, cpus=4).contention == 1.0
    assert Conditions(workers=8, cpus=2).contention == 4.0


def test_a_measured_load_above_the_worker_count_counts_as_contention() -> None:
    assert Conditions(workers=2, cpus=2, load=6.0).contention == 3.0


def test_the_current_conditions_carry_the_runs_worker_count() -> None:
    conditions = Conditions.current(workers=3)
    assert conditions.workers == 3
    assert conditions.cpus >= 1


def test_durations_recorded_under_contention_match_the_same_test_recorded_serially() -> None:
    serial = _recorded({"a.py::t": 1.0}, under=Conditions(workers=1, cpus=2))
    crowded = _recorded({"a.py::t": 4.0}, under=Conditions(workers=8, cpus=2))
    assert crowded.test_seconds("a.py::t") == pytest.approx(serial.test_seconds("a.py::t"))


def test_each_new_run_moves_an_estimate_by_the_smoothing_weight() -> None:
    store = _recorded({"a.py::t": 1.0}).record(
        Recording(under=SERIAL, at=2.0, tests={"a.py::t": Phases(0.0, 2.0, 0.0)})
    )
    assert store.test_seconds("a.py::t") == pytest.approx(1.0 + SMOOTHING * (2.0 - 1.0))
    assert store.tests["a.py::t"].runs == 2


def test_an_unknown_test_is_estimated_from_the_median_of_its_file() -> None:
    store = _recorded({"a.py::t1": 1.0, "a.py::t2": 3.0, "a.py::t3": 10.0, "b.py::t": 100.0})
    assert store.test_seconds("a.py::new[1]") == pytest.approx(3.0)


def test_an_unknown_test_in_an_unknown_file_is_estimated_from_the_suite_median() -> None:
    store = _recorded({"a.py::t": 1.0, "b.py::t": 2.0, "c.py::t": 9.0})
    assert store.test_seconds("new.py::t") == pytest.approx(2.0)


def test_with_nothing_recorded_every_test_gets_the_default() -> None:
    assert DurationStore().test_seconds("a.py::t") == DEFAULT_TEST_SECONDS


def test_an_unknown_units_overhead_is_the_median_of_known_units_of_its_kind() -> None:
    store = DurationStore().record(
        Recording(
            under=SERIAL,
            at=1.0,
            units={
                "a.py": UnitTiming(5.0, 1.0),
                "b.py": UnitTiming(5.0, 3.0),
                "a.py::C": UnitTiming(1.0, 0.1),
            },
        )
    )
    assert store.unit_overhead("new.py") == pytest.approx(2.0)
    assert store.unit_overhead("new.py::K") == pytest.approx(0.1)
    assert DurationStore().unit_overhead("a.py") == 0.0


def test_worker_costs_are_normalised_and_summed() -> None:
    store = DurationStore().record(
        Recording(
            under=Conditions(workers=4, cpus=2),
            at=1.0,
            worker=WorkerTiming(start=2.0, collection=4.0, provisioning=2.0),
        )
    )
    assert store.worker_seconds == pytest.approx(4.0)


def test_separating_overhead_moves_the_first_setup_excess_to_the_unit() -> None:
    phases = [Phases(3.1, 1.0, 0.1), Phases(0.1, 1.0, 0.1), Phases(0.1, 1.0, 2.1)]
    overhead, adjusted = separate_overhead(phases)
    assert overhead == pytest.approx(5.0)
    assert [p.setup for p in adjusted] == pytest.approx([0.1, 0.1, 0.1])
    assert [p.teardown for p in adjusted] == pytest.approx([0.1, 0.1, 0.1])


def test_a_one_test_unit_keeps_its_fixture_time() -> None:
    assert separate_overhead([Phases(3.0, 1.0, 0.5)]) == (0.0, (Phases(3.0, 1.0, 0.5),))


seconds = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)
conditions = st.builds(
    Conditions,
    workers=st.integers(1, 64),
    cpus=st.integers(1, 64),
    load=st.none() | st.floats(0.0, 100.0, allow_nan=False),
)
nodeids = st.sampled_from(["a.py::t1", "a.py::t2", "a.py::C::t[x::y]", "b.py::t", "c/d.py::t"])
recordings = st.builds(
    Recording,
    under=conditions,
    at=st.floats(0.0, 2e9, allow_nan=False),
    tests=st.dictionaries(nodeids, st.builds(Phases, seconds, seconds, seconds), max_size=4),
    units=st.dictionaries(
        st.sampled_from(["a.py", "b.py", "a.py::C"]), st.builds(UnitTiming, seconds, seconds)
    ),
    worker=st.none() | st.builds(WorkerTiming, seconds, seconds, seconds),
)


def _fold(runs: list[Recording]) -> DurationStore:
    store = DurationStore()
    for run in runs:
        store = store.record(run)
    return store


stores = st.lists(recordings, max_size=3).map(_fold)


@given(stores)
def test_the_store_survives_a_json_round_trip(store: DurationStore) -> None:
    assert DurationStore.from_json(json.loads(json.dumps(store.to_json()))) == store


@given(stores, stores, stores)
def test_merge_is_associative(a: DurationStore, b: DurationStore, c: DurationStore) -> None:
    assert merge(merge(a, b), c) == merge(a, merge(b, c))


@given(stores, stores)
def test_merge_is_commutative_and_idempotent(a: DurationStore, b: DurationStore) -> None:
    assert merge(a, b) == merge(b, a)
    assert merge(a, a) == a
    assert merge(merge(a, b), b) == merge(a, b)


def test_merging_shard_stores_keeps_what_each_shard_measured() -> None:
    base = _recorded({"a.py::t": 1.0, "b.py::t": 1.0})
    shard_one = base.record(
        Recording(under=SERIAL, at=2.0, tests={"a.py::t": Phases(0.0, 2.0, 0.0)})
    )
    shard_two = base.record(
        Recording(under=SERIAL, at=2.0, tests={"b.py::t": Phases(0.0, 3.0, 0.0)})
    )
    merged = merge(shard_two, shard_one)
    assert merged.tests["a.py::t"] == shard_one.tests["a.py::t"]
    assert merged.tests["b.py::t"] == shard_two.tests["b.py::t"]
