from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from simulate import Workload

from dbfleet.scheduling.units import Granularity, Item, cost, group_units, scopes_of

SUITE = (
    "a.py::test_one",
    "a.py::TestC::test_two",
    "a.py::TestC::test_three",
    "b.py::test_four[x]",
    "a.py::test_five",
)


def _estimates(overheads: dict[str, float] | None = None) -> Workload:
    return Workload(SUITE, dict.fromkeys(SUITE, 1.0), overheads or {})


def test_a_methods_scopes_are_its_file_then_its_class() -> None:
    assert scopes_of("a/b.py::TestC::test_x") == ("a/b.py", "a/b.py::TestC")
    assert scopes_of("a/b.py::TestC::TestD::test_x") == (
        "a/b.py",
        "a/b.py::TestC",
        "a/b.py::TestC::TestD",
    )


def test_parameter_ids_containing_double_colons_create_no_scopes() -> None:
    assert scopes_of("a.py::test_x[a::b]") == ("a.py",)


def test_file_granularity_groups_each_files_tests_in_collection_order() -> None:
    units = group_units(SUITE, _estimates())
    assert [(u.id, u.tests) for u in units] == [
        (
            "a.py",
            (
                "a.py::test_one",
                "a.py::TestC::test_two",
                "a.py::TestC::test_three",
                "a.py::test_five",
            ),
        ),
        ("b.py", ("b.py::test_four[x]",)),
    ]


def test_class_granularity_groups_module_level_tests_by_file_as_loadscope_does() -> None:
    units = group_units(SUITE, _estimates(), Granularity.CLASS)
    assert [u.id for u in units] == ["a.py", "a.py::TestC", "b.py"]
    assert units[0].tests == ("a.py::test_one", "a.py::test_five")


def test_an_xdist_group_keeps_its_tests_together_across_files_and_is_never_cut() -> None:
    groups = {"a.py::test_one": "db", "b.py::test_four[x]": "db"}
    units = group_units(SUITE, _estimates(), groups=groups)
    group = next(u for u in units if u.id == "@db")
    assert group.tests == ("a.py::test_one", "b.py::test_four[x]")
    assert group.split is None
    assert group.pieces(0.1) == (group,)


def test_a_units_estimate_is_its_tests_plus_each_scope_overhead_once() -> None:
    units = group_units(SUITE, _estimates({"a.py": 10.0, "a.py::TestC": 2.0}))
    assert units[0].estimate == pytest.approx(4 * 1.0 + 10.0 + 2.0)


def test_each_piece_pays_its_scopes_overhead_again() -> None:
    (unit, _) = group_units(SUITE, _estimates({"a.py": 10.0}))
    pieces = unit.pieces(capacity=12.0)
    assert len(pieces) == 2
    assert sum(p.estimate for p in pieces) == pytest.approx(unit.estimate + 10.0)


def test_a_giant_test_becomes_a_piece_of_its_own() -> None:
    tests = ("a.py::t1", "a.py::t2", "a.py::giant", "a.py::t3")
    workload = Workload(tests, {"a.py::t1": 1, "a.py::t2": 1, "a.py::giant": 50, "a.py::t3": 1})
    (unit,) = group_units(tests, workload)
    assert [p.tests for p in unit.pieces(capacity=5.0)] == [
        ("a.py::t1", "a.py::t2"),
        ("a.py::giant",),
        ("a.py::t3",),
    ]


def test_a_class_split_never_separates_a_classs_tests() -> None:
    (unit, _) = group_units(SUITE, _estimates(), split=Granularity.CLASS)
    pieces = unit.pieces(capacity=1.0)
    assert {p.tests for p in pieces} == {
        ("a.py::test_one", "a.py::test_five"),
        ("a.py::TestC::test_two", "a.py::TestC::test_three"),
    }


def test_without_a_split_granularity_a_unit_stays_whole() -> None:
    (unit, _) = group_units(SUITE, _estimates(), split=None)
    assert unit.pieces(capacity=0.5) == (unit,)


def test_a_split_no_finer_than_the_units_keeps_them_whole() -> None:
    units = group_units(SUITE, _estimates(), Granularity.CLASS, split=Granularity.FILE)
    assert all(u.split is None for u in units)


items = st.lists(
    st.tuples(st.sampled_from(["", "TestA::", "TestB::"]), st.floats(0.0, 10.0, allow_nan=False)),
    min_size=1,
    max_size=30,
)


@given(items, st.floats(0.0, 5.0), st.floats(0.1, 40.0), st.sampled_from(list(Granularity)))
def test_pieces_partition_a_unit_in_order_and_fit_the_capacity_unless_indivisible(
    raw: list[tuple[str, float]], overhead: float, capacity: float, split: Granularity
) -> None:
    tests = tuple(f"a.py::{owner}test_{i}" for i, (owner, _) in enumerate(raw))
    workload = Workload(
        tests,
        {t: s for t, (_, s) in zip(tests, raw, strict=True)},
        {"a.py": overhead, "a.py::TestA": overhead / 2},
    )
    (unit,) = group_units(tests, workload, split=split)
    pieces = unit.pieces(capacity)
    covered = [t for p in pieces for t in p.tests]
    assert sorted(covered) == sorted(tests)
    assert len({p.id for p in pieces}) == len(pieces)
    atoms = {tuple(a) for a in unit.atoms()}
    for piece in pieces:
        assert piece.estimate == pytest.approx(cost(piece.items, unit.overheads))
        fits = piece.estimate <= capacity + 1e-9
        assert fits or len(pieces) == 1 or piece.items in atoms


def test_cost_enters_each_scope_once() -> None:
    items = [Item("a.py::t1", 1.0, ("a.py",)), Item("a.py::t2", 1.0, ("a.py",))]
    assert cost(items, {"a.py": 5.0}) == 7.0
