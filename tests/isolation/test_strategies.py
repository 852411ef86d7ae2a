"""Each isolation level is one unit behind one protocol, picked by its name."""

from __future__ import annotations

from dbfleet.isolation.strategies import STRATEGIES
from dbfleet.levels import Level


def test_every_level_has_exactly_one_unit_named_after_it() -> None:
    assert set(STRATEGIES) == set(Level)
    assert all(unit.level is level for level, unit in STRATEGIES.items())


def test_only_rollback_wraps_the_tests_connection_in_a_transaction() -> None:
    assert [level for level, unit in STRATEGIES.items() if unit.rolls_back] == [Level.ROLLBACK]


def test_only_fresh_gives_the_test_a_database_of_its_own() -> None:
    assert [level for level, unit in STRATEGIES.items() if unit.own_database] == [Level.FRESH]


def test_leak_checks_watch_the_levels_that_leave_the_worker_database_to_the_test() -> None:
    watched = [level for level, unit in STRATEGIES.items() if not unit.keeps_worker_database]
    assert watched == [Level.NONE, Level.ROLLBACK]
