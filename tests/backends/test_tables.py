"""The reset's table graph: who references whom, and the order rows go back in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dbfleet.backends.tables import parents_first, referencing_closure

tables = st.sampled_from([f"t{i}" for i in range(8)])
graphs = st.dictionaries(tables, st.sets(tables, max_size=3), max_size=8)


@given(graphs, st.sets(tables, max_size=4))
def test_the_closure_holds_every_referencer_of_its_members(
    references: dict[str, set[str]], changed: set[str]
) -> None:
    closure = referencing_closure(changed, references)
    assert changed <= closure
    for table, parents in references.items():
        if parents & closure:
            assert table in closure


@given(graphs, st.sets(tables, max_size=8))
def test_parents_come_first_unless_a_cycle_forbids_it(
    references: dict[str, set[str]], chosen: set[str]
) -> None:
    order = parents_first(chosen, references)
    assert sorted(order) == sorted(chosen)
    assert order == parents_first(chosen, references)
    position = {table: i for i, table in enumerate(order)}
    # Without cycles among the chosen tables, every reference points backwards.
    if not _has_cycle(chosen, references):
        for table in chosen:
            for parent in references.get(table, set()) & chosen - {table}:
                assert position[parent] < position[table]


def _has_cycle(chosen: set[str], references: dict[str, set[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(table: str) -> bool:
        state[table] = 1
        for parent in references.get(table, set()) & chosen - {table}:
            if state.get(parent) == 1 or (parent not in state and visit(parent)):
                return True
        state[table] = 2
        return False

    return any(table not in state and visit(table) for table in chosen)


def test_a_changed_parent_brings_its_children_along() -> None:
    references = {"line": {"entry"}, "entry": {"book"}, "fx": set()}
    assert referencing_closure({"book"}, references) == {"book", "entry", "line"}
    assert parents_first({"line", "entry", "book"}, references) == ["book", "entry", "line"]
