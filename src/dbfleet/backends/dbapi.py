"""The blocking DB-API drivers dbfleet's own connections may use, and how one is picked.

dbfleet depends on no database driver. It used to require psycopg 3, and Django >= 4.2 takes
psycopg 3 whenever it can import it, so a project on psycopg2 silently changed drivers the day it
installed dbfleet. dbfleet's own connections now use a driver the project already has: the one
its URL names, else the first of the kind's drivers that imports. Only that one is imported, so
the project's choice stays the only driver in the process.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

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


#: Blocking drivers per database kind, in order of preference where the URL names none of them:
#: (SQLAlchemy's ``+driver`` name, the module it imports, the package that installs it).
BLOCKING: dict[str, tuple[tuple[str, str, str], ...]] = {
    "postgresql": (("psycopg", "psycopg", "psycopg"), ("psycopg2", "psycopg2", "psycopg2-binary")),
    "mysql": (("pymysql", "pymysql", "PyMySQL"), ("mysqldb", "MySQLdb", "mysqlclient")),
    "mariadb": (("pymysql", "pymysql", "PyMySQL"), ("mysqldb", "MySQLdb", "mysqlclient")),
}

#: The blocking module a URL means without naming one: a bare scheme is SQLAlchemy's default
#: driver, and an asyncio driver built on a blocking one brings that one along.
IMPLIED: dict[tuple[str, str], str] = {
    ("postgresql", ""): "psycopg2",
    ("postgresql", "psycopg_async"): "psycopg",
    ("mysql", ""): "MySQLdb",
    ("mariadb", ""): "MySQLdb",
    ("mysql", "aiomysql"): "pymysql",
    ("mariadb", "aiomysql"): "pymysql",
}


def blocking_modules(drivername: str) -> tuple[str, ...]:
    """The modules to try for ``drivername`` (``postgresql+psycopg2``…), the one it means first."""
    kind, _, driver = drivername.partition("+")
    table = BLOCKING.get(kind, ())
    named = {name: module for name, module, _ in table}.get(driver) or IMPLIED.get((kind, driver))
    order = [module for _, module, _ in table]
    if named in order:
        order.remove(named)
        order.insert(0, named)
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


def import_driver(drivername: str, database: str, extra: str) -> ModuleType:
    """The driver module for ``drivername``, or one line saying which extra installs one."""
    module = first_importable(blocking_modules(drivername))
    if module is None:
        kind = drivername.partition("+")[0]
        packages = " or ".join(package for _, _, package in BLOCKING.get(kind, ()))
        raise ConfigError(
            f"dbfleet: {database} needs a driver ({packages}) and none is installed; "
            f"pip install 'pytest-dbfleet[{extra}]'"
        )
    return module
