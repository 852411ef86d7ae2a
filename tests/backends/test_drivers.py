"""Driver swaps for the sync and async engines, and the package a missing driver needs."""

from __future__ import annotations

import pytest

from dbfleet.backends.drivers import async_driver, missing_driver, sync_driver


def everything(module: str) -> bool:
    return True


def only(*modules: str):  # type: ignore[no-untyped-def]
    return lambda module: module in modules


@pytest.mark.parametrize(
    ("given", "sync"),
    [
        ("postgresql+asyncpg", "postgresql+psycopg"),
        ("postgresql+psycopg", "postgresql+psycopg"),
        ("postgresql+psycopg2", "postgresql+psycopg2"),
        ("mysql+aiomysql", "mysql+pymysql"),
        ("mysql+asyncmy", "mysql+pymysql"),
        ("mariadb+aiomysql", "mariadb+pymysql"),
        ("sqlite+aiosqlite", "sqlite"),
        ("sqlite", "sqlite"),
    ],
)
def test_sync_fixtures_swap_an_async_driver_for_a_blocking_one(given: str, sync: str) -> None:
    assert sync_driver(given, everything) == sync


def test_an_async_driver_gets_the_blocking_driver_the_project_has() -> None:
    assert sync_driver("postgresql+asyncpg", only("psycopg2")) == "postgresql+psycopg2"
    assert sync_driver("postgresql+asyncpg", only("psycopg", "psycopg2")) == "postgresql+psycopg"
    assert sync_driver("mysql+aiomysql", only("MySQLdb")) == "mysql+mysqldb"
    assert missing_driver("postgresql+psycopg2", only()) == "psycopg2-binary"
    assert missing_driver("mysql+mysqldb", only()) == "mysqlclient"


def test_a_bare_scheme_gets_a_driver_that_is_installed() -> None:
    assert sync_driver("postgresql", only("psycopg2", "psycopg")) == "postgresql"
    assert sync_driver("postgresql", only("psycopg")) == "postgresql+psycopg"
    assert sync_driver("mysql", only("pymysql")) == "mysql+pymysql"
    assert async_driver("postgresql", only("psycopg")) == "postgresql+psycopg"
    assert async_driver("postgresql", only("asyncpg", "psycopg")) == "postgresql+asyncpg"


@pytest.mark.parametrize(
    ("given", "asynchronous"),
    [
        ("postgresql", "postgresql+asyncpg"),
        ("postgresql+psycopg2", "postgresql+asyncpg"),
        ("postgresql+psycopg", "postgresql+psycopg"),
        ("postgresql+asyncpg", "postgresql+asyncpg"),
        ("mysql+pymysql", "mysql+aiomysql"),
        ("mysql+asyncmy", "mysql+asyncmy"),
        ("sqlite", "sqlite+aiosqlite"),
    ],
)
def test_async_fixtures_swap_a_blocking_driver_for_an_async_one(
    given: str, asynchronous: str
) -> None:
    assert async_driver(given, everything) == asynchronous


def test_a_missing_driver_names_the_package_to_install() -> None:
    assert missing_driver("mysql+aiomysql", only()) == "aiomysql"
    assert missing_driver("mysql+pymysql", only()) == "PyMySQL"
    assert missing_driver("mysql+pymysql", only("pymysql")) is None
    assert missing_driver("sqlite", only()) is None
