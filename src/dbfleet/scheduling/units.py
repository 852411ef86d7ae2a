"""Units of dispatch: the tests that run together on one worker, and what they are expected to cost.

xdist's ``load`` hands out single tests, so every worker that touches a file sets up that file's
module-scoped fixtures again (for a database suite: a schema, a seeded fixture set); ``loadfile``
keeps files whole, so one slow file bounds the wall time. A unit is a file (or a class) by default,
so fixtures are paid once; the queue may cut a unit into contiguous pieces, down to ``split``
granularity, when that shortens the predicted run (see ``queue.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Protocol


class Granularity(str, Enum):
    """How coarse a unit is; also the finest pieces a unit may be cut into."""

    FILE = "file"
    CLASS = "class"
    TEST = "test"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Granularity.FILE: 0, Granularity.CLASS: 1, Granularity.TEST: 2}


class Estimates(Protocol):
    """Where estimates come from: the duration store in a run, true costs in a simulation."""

    def test_seconds(self, nodeid: str) -> float:
        """Seconds for one test's setup + call + teardown, scoped fixtures excluded."""
        ...

    def unit_overhead(self, scope: str) -> float:
        """Seconds a worker pays to enter ``scope`` (a file or a class): its scoped fixtures."""
        ...


def scopes_of(nodeid: str) -> tuple[str, ...]:
    """The fixture scopes a test lives in, outermost first: its file, then each enclosing class.

    Parameter ids are cut off before splitting on ``::`` because they may contain ``::``
    themselves (``test_x[a::b]``); the path is everything before the first ``::``.
    """
    path, _, rest = nodeid.partition("::")
    names = rest.split("[", 1)[0].split("::") if rest else []
    classes = names[:-1]
    return (path, *("::".join([path, *classes[: depth + 1]]) for depth in range(len(classes))))


def unit_id(nodeid: str, granularity: Granularity) -> str:
    """The unit a test belongs to; at class granularity, module-level tests group by file.

    This is xdist's ``loadscope`` rule, so a suite that is correct under ``loadscope`` or
    ``loadfile`` stays correct here.
    """
    if granularity is Granularity.TEST:
        return nodeid
    scopes = scopes_of(nodeid)
    return scopes[0] if granularity is Granularity.FILE else scopes[-1]


@dataclass(frozen=True)
class Item:
    """One test as the scheduler sees it."""

    nodeid: str
    seconds: float
    scopes: tuple[str, ...]


def cost(items: Iterable[Item], overheads: Mapping[str, float]) -> float:
    """Seconds to run ``items`` in a row on one worker: the tests, plus each scope entered once."""
    seconds = 0.0
    scopes: set[str] = set()
    for item in items:
        seconds += item.seconds
        scopes.update(item.scopes)
    return seconds + sum(overheads.get(scope, 0.0) for scope in scopes)


@dataclass(frozen=True)
class Unit:
    """Tests that go to one worker together, in collection order, with their estimated cost.

    ``overheads`` holds the scoped-fixture cost of every scope the tests live in; a piece cut from
    the unit pays those again, which is what makes cutting a file with an expensive module
    fixture a loss unless the wall time gained is larger.
    """

    id: str
    items: tuple[Item, ...]
    overheads: Mapping[str, float] = field(default_factory=dict)
    split: Granularity | None = None
    estimate: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "overheads", MappingProxyType(dict(self.overheads)))
        object.__setattr__(self, "estimate", cost(self.items, self.overheads))

    @property
    def tests(self) -> tuple[str, ...]:
        return tuple(item.nodeid for item in self.items)

    def atoms(self) -> tuple[tuple[Item, ...], ...]:
        """The smallest groups this unit may be cut into: tests, classes, or the whole unit."""
        if self.split is None or self.split is Granularity.FILE:
            return (self.items,)
        if self.split is Granularity.TEST:
            return tuple((item,) for item in self.items)
        by_scope: dict[str, list[Item]] = {}
        for item in self.items:
            by_scope.setdefault(item.scopes[-1], []).append(item)
        return tuple(tuple(group) for group in by_scope.values())

    @property
    def largest_atom(self) -> float:
        """The longest piece no cut can make shorter: a floor under any makespan with this unit."""
        return max(cost(atom, self.overheads) for atom in self.atoms())

    def pieces(self, capacity: float) -> tuple[Unit, ...]:
        """Cut into as few contiguous pieces as keep each at most ``capacity`` (atoms permitting).

        Contiguous, so each piece still enters each of its scopes once and tests keep their
        relative order; a single atom longer than ``capacity`` becomes a piece of its own.
        """
        if self.estimate <= capacity or self.split is None:
            return (self,)
        chunks: list[list[Item]] = []
        current: list[Item] = []
        current_cost = 0.0
        entered: set[str] = set()
        for atom in self.atoms():
            added, fresh = _entering(atom, entered, self.overheads)
            if current and current_cost + added > capacity:
                chunks.append(current)
                current, current_cost, entered = [], 0.0, set()
                added, fresh = _entering(atom, entered, self.overheads)
            current.extend(atom)
            current_cost += added
            entered |= fresh
        if current:
            chunks.append(current)
        if len(chunks) == 1:
            return (self,)
        return tuple(self._piece(index, chunk) for index, chunk in enumerate(chunks, start=1))

    def _piece(self, index: int, items: Sequence[Item]) -> Unit:
        scopes = {scope for item in items for scope in item.scopes}
        return Unit(
            id=f"{self.id}#{index}",
            items=tuple(items),
            overheads={s: o for s, o in self.overheads.items() if s in scopes},
            split=self.split,
        )


def _entering(
    atom: Sequence[Item], entered: set[str], overheads: Mapping[str, float]
) -> tuple[float, set[str]]:
    """What appending ``atom`` to a piece that already entered ``entered`` adds: cost, scopes."""
    fresh = {scope for item in atom for scope in item.scopes} - entered
    return sum(item.seconds for item in atom) + sum(overheads.get(s, 0.0) for s in fresh), fresh


def group_units(
    nodeids: Sequence[str],
    estimates: Estimates,
    granularity: Granularity = Granularity.FILE,
    *,
    groups: Mapping[str, str | None] | None = None,
    split: Granularity | None = Granularity.TEST,
) -> tuple[Unit, ...]:
    """Group collected tests into units, in order of first appearance in ``nodeids``.

    ``groups`` maps a nodeid to its ``xdist_group`` name (or None); a group's tests form one unit
    ``@name`` that is never cut, because the user asked for them to share a worker. ``split`` is
    the finest granularity the queue may cut other units into; ``TEST`` matches what xdist's
    ``load`` already does to files, None keeps units whole as ``loadfile``/``loadscope`` do.
    """
    if split is not None and split.rank <= granularity.rank:
        split = None
    members: dict[str, list[Item]] = {}
    grouped: set[str] = set()
    for nodeid in nodeids:
        name = groups.get(nodeid) if groups else None
        key = f"@{name}" if name is not None else unit_id(nodeid, granularity)
        if name is not None:
            grouped.add(key)
        members.setdefault(key, []).append(
            Item(nodeid, estimates.test_seconds(nodeid), scopes_of(nodeid))
        )
    units = []
    for key, items in members.items():
        scopes = sorted({scope for item in items for scope in item.scopes})
        units.append(
            Unit(
                id=key,
                items=tuple(items),
                overheads={scope: estimates.unit_overhead(scope) for scope in scopes},
                split=None if key in grouped else split,
            )
        )
    return tuple(units)
