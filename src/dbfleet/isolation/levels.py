"""The isolation levels, the leak-check modes and the settings that pick them.

Resolution is a pure function of the command line, environment and ini values (in that order,
as in ``dbfleet.config``), and a test's marker overrides the result for that test alone.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from dbfleet.errors import ConfigError


class Level(str, enum.Enum):
    """What a test's writes may do to the next test, from cheapest to strongest.

    ``none`` leaves it to the test. ``rollback`` wraps the test's connection in a transaction
    rolled back afterwards: about a millisecond, but only what goes through that connection is
    undone. ``reset`` restores the tables that changed to the template's rows afterwards, however
    they were written (other engines, threads, processes). ``fresh`` gives the test a database of
    its own, cloned ahead of time by a pool: nothing is shared, at the price of a clone per test.
    """

    NONE = "none"
    ROLLBACK = "rollback"
    RESET = "reset"
    FRESH = "fresh"

    def __str__(self) -> str:
        return self.value


class LeakMode(str, enum.Enum):
    """``--dbfleet-check-leaks``: off, report leaking tests, or make a leak a test error."""

    OFF = "off"
    WARN = "warn"
    FAIL = "fail"

    def __str__(self) -> str:
        return self.value


LEVELS = tuple(level.value for level in Level)
LEAK_MODES = tuple(mode.value for mode in LeakMode)

#: Ready databases kept per worker for ``fresh``: one to hand out while the next one is cloned.
DEFAULT_POOL_SIZE = 2


@dataclass(frozen=True)
class IsolationSettings:
    level: Level = Level.NONE
    leaks: LeakMode = LeakMode.OFF
    pool_size: int = DEFAULT_POOL_SIZE


def parse_level(text: str, where: str) -> Level:
    try:
        return Level(text.strip().lower())
    except ValueError:
        raise ConfigError(
            f"dbfleet: unknown isolation {text!r} in {where}; use one of {', '.join(LEVELS)}"
        ) from None


def parse_leak_mode(text: str, where: str) -> LeakMode:
    try:
        return LeakMode(text.strip().lower())
    except ValueError:
        raise ConfigError(
            f"dbfleet: unknown leak check {text!r} in {where}; use one of {', '.join(LEAK_MODES)}"
        ) from None


def _first(*candidates: tuple[object, str]) -> tuple[str, str] | None:
    for value, where in candidates:
        if isinstance(value, str) and value.strip():
            return value.strip(), where
    return None


def resolve(
    cli: Mapping[str, object], environ: Mapping[str, str], ini: Mapping[str, object]
) -> IsolationSettings:
    """Command line beats environment beats ini, option by option."""
    level = Level.NONE
    found = _first(
        (cli.get("isolation"), "--dbfleet-isolation"),
        (environ.get("DBFLEET_ISOLATION"), "DBFLEET_ISOLATION"),
        (ini.get("dbfleet_isolation"), "dbfleet_isolation (ini)"),
    )
    if found is not None:
        level = parse_level(*found)
    leaks = LeakMode.OFF
    found = _first(
        (cli.get("check_leaks"), "--dbfleet-check-leaks"),
        (environ.get("DBFLEET_CHECK_LEAKS"), "DBFLEET_CHECK_LEAKS"),
        (ini.get("dbfleet_check_leaks"), "dbfleet_check_leaks (ini)"),
    )
    if found is not None:
        leaks = parse_leak_mode(*found)
    pool_size = DEFAULT_POOL_SIZE
    found = _first(
        (cli.get("pool_size"), "--dbfleet-fresh-pool"),
        (ini.get("dbfleet_fresh_pool"), "dbfleet_fresh_pool (ini)"),
    )
    if found is not None:
        text, where = found
        if not text.isdigit() or int(text) < 1:
            raise ConfigError(
                f"dbfleet: {where} must be a whole number of databases, 1 or more; got {text!r}"
            )
        pool_size = int(text)
    return IsolationSettings(level, leaks, pool_size)


def marked_level(marks: list[Mapping[str, object]], default: Level, test: str) -> Level:
    """The level of a test: the closest ``dbfleet`` mark naming one, else the run's default.

    ``marks`` are the keyword arguments of the test's ``dbfleet`` marks, closest first (function,
    class, module), as ``Item.iter_markers`` yields them; marks without ``isolation`` are skipped
    so that a mark carrying other options does not hide the module's level.
    """
    for kwargs in marks:
        if "isolation" in kwargs:
            value = kwargs["isolation"]
            if isinstance(value, Level):
                return value
            return parse_level(str(value), f"@pytest.mark.dbfleet on {test}")
    return default
