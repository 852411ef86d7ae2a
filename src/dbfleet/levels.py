"""The isolation levels and the leak-check modes, and how a test's mark picks its level.

The run's default level is resolved with every other setting, in ``dbfleet.config``; a test's
marker overrides it for that test alone.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

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
