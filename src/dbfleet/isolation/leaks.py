"""The leak detector's arithmetic: row counts before and after a test, and how to say it.

A leak is a committed change in the number of rows of a table that outlives the test; it is
what makes the next test's outcome depend on the order tests run in. Counting rows misses an
UPDATE that keeps the count, which is the price of a check cheap enough for every test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Leak:
    """One table whose row count a test changed."""

    table: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before

    def __str__(self) -> str:
        return f"{self.table} {self.delta:+d}"


def leaks(before: Mapping[str, int], after: Mapping[str, int]) -> tuple[Leak, ...]:
    """Tables whose count differs, by name; a table that appeared or vanished counts from 0."""
    names = sorted(set(before) | set(after))
    found = (Leak(name, before.get(name, 0), after.get(name, 0)) for name in names)
    return tuple(leak for leak in found if leak.delta)


def describe(found: Iterable[Leak]) -> str:
    """``item +2 rows, ledger -1 row`` — the words a leak report and a failure use."""
    parts = []
    for leak in found:
        rows = "row" if abs(leak.delta) == 1 else "rows"
        parts.append(f"{leak.table} {leak.delta:+d} {rows}")
    return ", ".join(parts)


def to_json(found: Iterable[Leak]) -> list[list[object]]:
    """Leaks as plain lists, to travel from an xdist worker in a report's user_properties."""
    return [[leak.table, leak.before, leak.after] for leak in found]


def from_json(data: object) -> tuple[Leak, ...]:
    if not isinstance(data, list):
        return ()
    found = []
    for entry in data:
        if isinstance(entry, list) and len(entry) == 3:
            found.append(Leak(str(entry[0]), int(entry[1]), int(entry[2])))
    return tuple(found)
