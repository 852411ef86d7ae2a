"""Which SQLAlchemy driver a blocking and an asyncio engine connect with, derived from a URL.

The worker URL keeps the application's driver (``+asyncpg`` for an async app). The sync fixtures
need a blocking driver and the async ones an asyncio driver, on the same server and database, so
only the ``+driver`` part of the scheme changes; credentials and query options stay. The drivers
each kind has are its descriptor's (``Kind.blocking``, ``Kind.asynchronous``); this module only
picks among them, taking the one the project has installed, never one it has not.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from dbfleet.backends import KINDS, find_kind
from dbfleet.backends.dbapi import blocking_modules

#: Asyncio-only drivers of every kind: a URL with one of them is an async application's.
ASYNC_ONLY: frozenset[str] = frozenset().union(*(kind.async_only for kind in KINDS))


def installed(module: str) -> bool:
    """Whether ``module`` could be imported, without importing it (a driver the project does
    not use must stay out of the process)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def is_async_driver(drivername: str) -> bool:
    """Whether ``drivername`` (``postgresql+asyncpg``…) names an asyncio-only driver."""
    return drivername.partition("+")[2] in ASYNC_ONLY


def _split(drivername: str) -> tuple[str, str]:
    scheme, _, driver = drivername.partition("+")
    return scheme, driver


def _join(scheme: str, driver: str) -> str:
    return f"{scheme}+{driver}" if driver else scheme


def sync_driver(drivername: str, installed: Callable[[str], bool]) -> str:
    """``postgresql+asyncpg`` -> ``postgresql+psycopg`` (or ``+psycopg2``), ``sqlite+aiosqlite``
    -> ``sqlite``…

    A blocking driver is kept. For an asyncio driver or a bare scheme, the first installed of the
    kind's blocking drivers, the one the URL implies first (a bare scheme stays bare when
    SQLAlchemy's default driver is installed).
    """
    scheme, driver = _split(drivername)
    if driver and driver not in ASYNC_ONLY:
        return drivername
    kind = find_kind(drivername)
    table = kind.blocking if kind is not None else ()
    names = {known.module: known.name for known in table}
    default = next((known.module for known in table if "" in known.implied_by), None)
    modules = blocking_modules(drivername)
    for module in modules:
        if installed(module):
            bare = not driver and module == default
            return scheme if bare else _join(scheme, names[module])
    if driver and modules:
        return _join(scheme, names[modules[0]])
    return scheme


def async_driver(drivername: str, installed: Callable[[str], bool]) -> str:
    """``postgresql`` -> ``postgresql+asyncpg`` (or ``+psycopg``), ``mysql+pymysql`` ->
    ``mysql+aiomysql``, ``sqlite`` -> ``sqlite+aiosqlite``; an asyncio driver is kept."""
    scheme, driver = _split(drivername)
    kind = find_kind(drivername)
    table = kind.asynchronous if kind is not None else ()
    if driver in ASYNC_ONLY or any(known.name == driver for known in table):
        return drivername
    for known in table:
        if installed(known.module):
            return _join(scheme, known.name)
    return _join(scheme, table[0].name) if table else drivername


def missing_driver(drivername: str, installed: Callable[[str], bool]) -> str | None:
    """The pip package a driver needs when it is not installed, else None."""
    kind = find_kind(drivername)
    if kind is None:
        return None
    driver = _split(drivername)[1]
    known = {each.name: each for each in (*kind.blocking, *kind.asynchronous)}.get(driver)
    if known is None or installed(known.module):
        return None
    return known.package
