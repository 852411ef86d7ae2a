"""Which driver the sync and the async fixtures connect with, derived from the worker's URL.

The worker URL keeps the application's driver (``+asyncpg`` for an async app). The sync fixtures
need a blocking driver and the async ones an asyncio driver, on the same server and database, so
only the ``+driver`` part of the scheme changes; credentials and query options stay.
"""

from __future__ import annotations

from collections.abc import Callable

#: Blocking driver used for an async one, per database kind.
SYNC_FOR_ASYNC = {
    "asyncpg": "psycopg",
    "psycopg_async": "psycopg",
    "aiomysql": "pymysql",
    "asyncmy": "pymysql",
    "aiosqlite": "",
}

#: Asyncio drivers per database kind, in order of preference, with the module each needs.
ASYNC_DRIVERS: dict[str, tuple[tuple[str, str], ...]] = {
    "postgresql": (("asyncpg", "asyncpg"), ("psycopg", "psycopg")),
    "mysql": (("aiomysql", "aiomysql"), ("asyncmy", "asyncmy")),
    "mariadb": (("aiomysql", "aiomysql"), ("asyncmy", "asyncmy")),
    "sqlite": (("aiosqlite", "aiosqlite"),),
}

#: Drivers that work with both engines: psycopg 3 serves ``create_async_engine`` as is.
BOTH = {("postgresql", "psycopg")}

#: Blocking drivers SQLAlchemy picks for a scheme without ``+driver``, with the module each needs.
DEFAULT_SYNC: dict[str, tuple[tuple[str, str], ...]] = {
    "postgresql": (("", "psycopg2"), ("psycopg", "psycopg")),
    "mysql": (("", "MySQLdb"), ("pymysql", "pymysql")),
    "mariadb": (("", "MySQLdb"), ("pymysql", "pymysql")),
    "sqlite": (("", "sqlite3"),),
}


def _split(drivername: str) -> tuple[str, str]:
    kind, _, driver = drivername.partition("+")
    return kind, driver


def _join(kind: str, driver: str) -> str:
    return f"{kind}+{driver}" if driver else kind


def sync_driver(drivername: str, installed: Callable[[str], bool]) -> str:
    """``postgresql+asyncpg`` -> ``postgresql+psycopg``, ``sqlite+aiosqlite`` -> ``sqlite``…

    A blocking driver is kept. A bare scheme gets SQLAlchemy's default driver when that is
    installed, else the one dbfleet's own dependencies bring (psycopg 3, PyMySQL).
    """
    kind, driver = _split(drivername)
    if driver in SYNC_FOR_ASYNC:
        return _join(kind, SYNC_FOR_ASYNC[driver])
    if driver:
        return drivername
    for candidate, module in DEFAULT_SYNC.get(kind, ()):
        if installed(module):
            return _join(kind, candidate)
    return drivername


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
    _, driver = _split(drivername)
    module = {
        "asyncpg": "asyncpg",
        "psycopg": "psycopg",
        "aiomysql": "aiomysql",
        "asyncmy": "asyncmy",
        "pymysql": "pymysql",
        "aiosqlite": "aiosqlite",
    }.get(driver)
    if module is None or installed(module):
        return None
    return {"pymysql": "PyMySQL"}.get(module, module)
