"""Leak arithmetic: the tables whose row count moved, and their trip from a worker."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dbfleet.isolation.leaks import Leak, describe, from_json, leaks, to_json


def test_leaks_are_the_tables_whose_count_moved() -> None:
    found = leaks({"item": 2, "tag": 1, "same": 5}, {"item": 4, "tag": 0, "same": 5, "new": 1})
    assert found == (Leak("item", 2, 4), Leak("new", 0, 1), Leak("tag", 1, 0))
    assert describe(found) == "item +2 rows, new +1 row, tag -1 row"


@given(st.dictionaries(st.text(min_size=1), st.integers(0, 10**6)), st.data())
def test_leaks_survive_the_trip_from_a_worker(before: dict[str, int], data: st.DataObject) -> None:
    after = {name: data.draw(st.integers(0, 10**6)) for name in before}
    found = leaks(before, after)
    assert from_json(to_json(found)) == found
    assert all(leak.delta for leak in found)
