"""What per-test isolation keeps on ``config.stash``, and what the running test was given.

Shared by the hooks (``plugin``), the levels (``strategies``) and the fixtures (``fixtures``), so
that none of them imports another's pytest glue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

import pytest

from dbfleet.backends import Restorer
from dbfleet.config import IsolationSettings
from dbfleet.errors import DbfleetError
from dbfleet.fleet import FleetDatabase
from dbfleet.isolation.leaks import Leak
from dbfleet.isolation.pool import FreshPool
from dbfleet.isolation.strays import StrayConnections
from dbfleet.levels import Level
from dbfleet.state import INACTIVE

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from dbfleet.isolation.engines import LoopEngines


@dataclass
class IsolationState:
    """This process's isolation machinery, kept on ``config.stash`` until the session ends."""

    settings: IsolationSettings
    restorer: Restorer | None = None
    pool: FreshPool | None = None
    captured: bool = False
    loop_engines: LoopEngines | None = None
    #: Under fresh: the running test's database, the variables it displaced, and the engines
    #: that follow it.
    fresh_url: str = ""
    fresh_saved: dict[str, str | None] = field(default_factory=dict)
    fresh_engine: Engine | None = None
    fresh_async_engine: AsyncEngine | None = None
    #: Whether the worker's database is known to hold the template's rows: a ``reset`` test
    #: leaves it so, a test at a level that keeps nothing back may not, and a ``fresh`` test
    #: does not touch it. Not known before the first test (a session fixture may have written).
    worker_clean: bool = False
    #: Seconds dbfleet added to each test, per level, and what the resets put back.
    overhead: dict[str, list[float]] = field(default_factory=dict)
    restored_tables: int = 0
    #: (test id, leaks) of every leaking test, gathered where the summary is written.
    leaking: list[tuple[str, tuple[Leak, ...]]] = field(default_factory=list)
    pool_numbers: dict[str, float] = field(default_factory=dict)
    #: Under fresh: connections that missed the test's clone, and the totals of every worker.
    strays: StrayConnections | None = None
    stray_tests: int = 0
    stray_targets: list[str] = field(default_factory=list)

    def add_targets(self, targets: list[str]) -> None:
        for target in targets:
            if target not in self.stray_targets:
                self.stray_targets.append(target)


ISOLATION = pytest.StashKey[IsolationState]()
LEVEL = pytest.StashKey[Level]()


@dataclass(frozen=True)
class TestDatabase:
    """What the running test was given: its level and the database it should use."""

    __test__ = False  # not a test class, whatever pytest's name heuristics think

    level: Level
    database: FleetDatabase


def fail(error: DbfleetError) -> NoReturn:
    """A dbfleet error met during a test: the test fails with the error's one line."""
    pytest.fail(str(error), pytrace=False)


def current(value: TestDatabase | None) -> TestDatabase:
    """What the test was given, or its failure when this process has no database."""
    if value is None:
        pytest.fail(INACTIVE, pytrace=False)
    return value
