"""Which tables a reset must empty, and in which order their rows go back: pure graph logic.

Emptying a table that others reference by foreign key needs those others emptied in the same
statement (PostgreSQL refuses a partial TRUNCATE, MySQL would leave dangling rows), so a reset
widens the changed set to everything that references it, transitively. Rows then go back
parents first, so foreign keys are satisfied as each table is filled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def referencing_closure(
    changed: Iterable[str], references: Mapping[str, Iterable[str]]
) -> frozenset[str]:
    """``changed`` plus every table that references one of them, directly or through others.

    ``references`` maps a table to the tables its foreign keys point at.
    """
    referenced_by: dict[str, set[str]] = {}
    for table, parents in references.items():
        for parent in parents:
            referenced_by.setdefault(parent, set()).add(table)
    found = set(changed)
    pending = list(found)
    while pending:
        for child in referenced_by.get(pending.pop(), ()):
            if child not in found:
                found.add(child)
                pending.append(child)
    return frozenset(found)


def parents_first(tables: Iterable[str], references: Mapping[str, Iterable[str]]) -> list[str]:
    """``tables`` ordered so a table comes after the tables it references, where possible.

    Self-references are ignored (a single multi-row statement satisfies them); tables in a
    reference cycle keep their name order after everything else, since no order satisfies them
    (those need deferrable constraints or disabled triggers). Deterministic: ties go by name.
    """
    remaining = set(tables)
    waiting = {
        table: {parent for parent in references.get(table, ()) if parent in remaining} - {table}
        for table in remaining
    }
    ordered: list[str] = []
    while remaining:
        ready = sorted(table for table in remaining if not waiting[table] & remaining)
        if not ready:
            ordered.extend(sorted(remaining))
            break
        ordered.extend(ready)
        remaining.difference_update(ready)
    return ordered
