"""Driver swaps for the sync and async fixtures, and the one line a missing library gets."""

from __future__ import annotations

import pytest

from dbfleet.errors import ConfigError
from dbfleet.isolation import engines
from dbfleet.isolation.drivers import async_driver, missing_driver, sync_driver


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


def test_a_missing_sqlalchemy_is_one_line_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "installed", lambda module: module != "sqlalchemy")
    with pytest.raises(ConfigError, match=r"^dbfleet: dbfleet_session needs SQLAlchemy 2; pip"):
        engines.require_sqlalchemy("dbfleet_session")
    monkeypatch.setattr(engines, "installed", lambda module: module != "greenlet")
    with pytest.raises(ConfigError, match=r"pip install 'sqlalchemy\[asyncio\]>=2'$"):
        engines.require_sqlalchemy("dbfleet_async_session", asyncio=True)


@pytest.mark.skipif(engines.installed("asyncmy"), reason="asyncmy is installed here")
def test_a_missing_driver_is_one_line_saying_what_to_install() -> None:
    with pytest.raises(ConfigError, match=r"connects with mysql\+asyncmy, which needs asyncmy"):
        engines.async_engine("mysql+asyncmy://app:secret@127.0.0.1/app_test")
