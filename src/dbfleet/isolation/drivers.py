"""Which driver the sync and the async fixtures connect with, derived from the worker's URL.

The worker URL keeps the application's driver (``+asyncpg`` for an async app). The sync fixtures
need a blocking driver and the async ones an asyncio driver, on the same server and database, so
only the ``+driver`` part of the scheme changes; credentials and query options stay.
"""

from __future__ import annotations

from collections.abc import Callable

from dbfleet.backends.dbapi import BLOCKING, IMPLIED, blocking_modules

#: Asyncio drivers: the sync fixtures swap them for a blocking driver of the same kind, the one
#: the project has installed (psycopg 3 or psycopg2 for ``+asyncpg``), never one it has not.
SYNC_FOR_ASYNC = frozenset({"asyncpg", "psycopg_async", "aiomysql", "asyncmy", "aiosqlite"})

#: Asyncio drivers per database kind, in order of preference, with the module each needs.
ASYNC_DRIVERS: dict[str, tuple[tuple[str, str], ...]] = {
    "postgresql": (("asyncpg", "asyncpg"), ("psycopg", "psycopg")),
    "mysql": (("aiomysql", "aiomysql"), ("asyncmy", "asyncmy")),
    "mariadb": (("aiomysql", "aiomysql"), ("asyncmy", "asyncmy")),
    "sqlite": (("aiosqlite", "aiosqlite"),),
}

#: Drivers that work with both engines: psycopg 3 serves ``create_async_engine`` as is.
BOTH = {("postgresql", "psycopg")}

#: The pip package each asyncio driver needs (the blocking ones are in ``BLOCKING``).
ASYNC_PACKAGES = {
    "asyncpg": "asyncpg",
    "psycopg": "psycopg",
    "aiomysql": "aiomysql",
    "asyncmy": "asyncmy",
    "aiosqlite": "aiosqlite",
}


def _split(drivername: str) -> tuple[str, str]:
    kind, _, driver = drivername.partition("+")
    return kind, driver


def _join(kind: str, driver: str) -> str:
    return f"{kind}+{driver}" if driver else kind


def sync_driver(drivername: str, installed: Callable[[str], bool]) -> str:
    """``postgresql+asyncpg`` -> ``postgresql+psycopg`` (or ``+psycopg2``), ``sqlite+aiosqlite``
    -> ``sqlite``…

    A blocking driver is kept. For an asyncio driver or a bare scheme, the first installed of the
    kind's blocking drivers, the one the URL implies first (a bare scheme stays bare when
    SQLAlchemy's default driver is installed).
    """
    kind, driver = _split(drivername)
    if driver and driver not in SYNC_FOR_ASYNC:
        return drivername
    names = {module: name for name, module, _ in BLOCKING.get(kind, ())}
    modules = blocking_modules(drivername)
    for module in modules:
        if installed(module):
            bare = not driver and module == IMPLIED.get((kind, ""))
            return kind if bare else _join(kind, names[module])
    if driver and modules:
        return _join(kind, names[modules[0]])
    return kind


def async_driver(drivername: str, installed: Callable[[str], bool]) -> str:
    """``postgresql`` -> ``postgresql+asyncpg`` (or ``+psycopg``), ``mysql+pymysql`` ->
    ``mysql+aiomysql``, ``sqlite`` -> ``sqlite+aiosqlite``; an asyncio driver is kept."""
    kind, driver = _split(drivername)
    if driver in SYNC_FOR_ASYNC or (kind, driver) in BOTH:
        return drivername
    for candidate, module in ASYNC_DRIVERS.get(kind, ()):
        if installed(module):
            return _join(kind, candidate)
    preferred = ASYNC_DRIVERS.get(kind, (("", ""),))[0][0]
    return _join(kind, preferred) if preferred else drivername


def missing_driver(drivername: str, installed: Callable[[str], bool]) -> str | None:
    """The pip package a driver needs when it is not installed, else None."""
    kind, driver = _split(drivername)
    known = {name: (module, package) for name, module, package in BLOCKING.get(kind, ())}
    known.update({name: (name, package) for name, package in ASYNC_PACKAGES.items()})
    module, package = known.get(driver, ("", ""))
    if not module or installed(module):
        return None
    return package
