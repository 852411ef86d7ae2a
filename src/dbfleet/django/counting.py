"""How many migrations a process runs, from Django's ``pre_migrate`` signal.

A module of its own, importing nothing: the benchmark's probe counts pytest-django's own
migrations with it too, and must not load dbfleet's database code into the runs it compares.
"""

from __future__ import annotations


class MigrationCounter:
    """Counts the migrations ``migrate`` applies in this process, from its ``pre_migrate``
    signal (sent once per app with the whole plan): the honest measure of a warm run."""

    def __init__(self) -> None:
        self._plans: list[object] = []
        self.applied = 0

    def receive(self, sender: object = None, plan: object = None, **_: object) -> None:
        if plan is None or any(seen is plan for seen in self._plans):
            return
        self._plans.append(plan)
        self.applied += len(plan) if isinstance(plan, list) else 0

    @property
    def commands(self) -> int:
        """How many ``migrate`` commands ran (one per test database pytest-django creates)."""
        return len(self._plans)
