"""The blocking DB-API drivers dbfleet's own connections may use, and how one is picked.

dbfleet depends on no database driver. It used to require psycopg 3, and Django >= 4.2 takes
psycopg 3 whenever it can import it, so a project on psycopg2 silently changed drivers the day it
installed dbfleet. dbfleet's own connections now use a driver the project already has: the one
its URL names, else the first of the kind's drivers that imports (``Kind.blocking``). Only that
one is imported, so the project's choice stays the only driver in the process.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from dbfleet.backends import find_kind
from dbfleet.backends.kind import Kind
from dbfleet.errors import ConfigError


@dataclass(frozen=True)
class Driver:
    """One imported DB-API module and what every kind reads of it alike: its name and the two
    exception classes DB-API promises; each kind's driver adds what differs between its two."""

    module: ModuleType

    @property
    def name(self) -> str:
        return self.module.__name__

    @property
    def error(self) -> type[Exception]:
        return self.module.Error  # type: ignore[no-any-return]

    @property
    def operational_error(self) -> type[Exception]:
        return self.module.OperationalError  # type: ignore[no-any-return]


def blocking_modules(drivername: str) -> tuple[str, ...]:
    """The modules to try for ``drivername`` (``postgresql+psycopg2``…), the one it means first:
    the driver it names, else the one its scheme or its asyncio driver implies
    (``KnownDriver.implied_by``), then the kind's others in order of preference."""
    kind = find_kind(drivername)
    if kind is None:
        return ()
    driver = drivername.partition("+")[2]
    order = [known.module for known in kind.blocking]
    named = [known.module for known in kind.blocking if known.name == driver] or [
        known.module for known in kind.blocking if driver in known.implied_by
    ]
    if named:
        order.remove(named[0])
        order.insert(0, named[0])
    return tuple(order)


def first_importable(modules: Sequence[str]) -> ModuleType | None:
    """The first of ``modules`` that imports; the ones after it are never imported.

    An installed module that fails to import (psycopg 3 without libpq) counts as absent. A module
    already in ``sys.modules`` is taken as it is, so PyMySQL installed as ``MySQLdb`` serves
    ``MySQLdb``.
    """
    for name in modules:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def import_driver(kind: Kind, drivername: str) -> ModuleType:
    """The driver module for ``drivername``, or one line saying which extra installs one."""
    module = first_importable(blocking_modules(drivername))
    if module is None:
        packages = " or ".join(known.package for known in kind.blocking)
        raise ConfigError(
            f"dbfleet: {kind.title} needs a driver ({packages}) and none is installed; "
            f"pip install 'pytest-dbfleet[{kind.extra}]'"
        )
    return module
