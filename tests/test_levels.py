"""The run's isolation settings and the marks that pick a test's level."""

from __future__ import annotations

import pytest

from dbfleet.config import DEFAULT_POOL_SIZE, IsolationSettings
from dbfleet.config import resolve_isolation as resolve
from dbfleet.errors import ConfigError
from dbfleet.levels import LeakMode, Level, marked_level


def test_nothing_configured_means_no_isolation_and_no_leak_check() -> None:
    assert resolve({}, {}, {}) == IsolationSettings(Level.NONE, LeakMode.OFF, DEFAULT_POOL_SIZE)


def test_command_line_beats_environment_beats_ini() -> None:
    ini = {"dbfleet_isolation": "reset", "dbfleet_check_leaks": "warn", "dbfleet_fresh_pool": "4"}
    assert resolve({}, {}, ini) == IsolationSettings(Level.RESET, LeakMode.WARN, 4)
    environ = {"DBFLEET_ISOLATION": "fresh", "DBFLEET_CHECK_LEAKS": "fail"}
    assert resolve({}, environ, ini) == IsolationSettings(Level.FRESH, LeakMode.FAIL, 4)
    cli = {"isolation": "rollback", "check_leaks": "off", "fresh_pool": "1"}
    assert resolve(cli, environ, ini) == IsolationSettings(Level.ROLLBACK, LeakMode.OFF, 1)


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        ({"dbfleet_isolation": "serializable"}, "unknown isolation 'serializable'"),
        ({"dbfleet_check_leaks": "loud"}, "unknown leak check 'loud'"),
        ({"dbfleet_fresh_pool": "0"}, "dbfleet_fresh_pool (ini) must be a whole number"),
    ],
)
def test_a_bad_value_names_the_setting_and_the_choices(ini: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve({}, {}, ini)


def test_the_closest_mark_naming_a_level_wins() -> None:
    marks = [{"other": 1}, {"isolation": "fresh"}, {"isolation": "reset"}]
    assert marked_level(marks, Level.NONE, "t") is Level.FRESH
    assert marked_level([], Level.ROLLBACK, "t") is Level.ROLLBACK
    assert marked_level([{"isolation": Level.RESET}], Level.NONE, "t") is Level.RESET


def test_a_misspelt_mark_names_the_test() -> None:
    with pytest.raises(ConfigError, match=r"'fersh' in @pytest.mark.dbfleet on test_x\.py::t"):
        marked_level([{"isolation": "fersh"}], Level.NONE, "test_x.py::t")
