"""The pure parts: settings and marks, driver swaps, the reset's table graph, leak arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from dbfleet.backends import pool_backend_url
from dbfleet.backends.postgres import crash_safe_url
from dbfleet.backends.tables import parents_first, referencing_closure
from dbfleet.errors import ConfigError
from dbfleet.isolation import engines
from dbfleet.isolation.drivers import async_driver, missing_driver, sync_driver
from dbfleet.isolation.leaks import Leak, describe, from_json, leaks, to_json
from dbfleet.isolation.levels import (
    DEFAULT_POOL_SIZE,
    IsolationSettings,
    LeakMode,
    Level,
    marked_level,
    resolve,
)

# -- settings -------------------------------------------------------------------------------


def test_nothing_configured_means_no_isolation_and_no_leak_check() -> None:
    assert resolve({}, {}, {}) == IsolationSettings(Level.NONE, LeakMode.OFF, DEFAULT_POOL_SIZE)


def test_command_line_beats_environment_beats_ini() -> None:
    ini = {"dbfleet_isolation": "reset", "dbfleet_check_leaks": "warn", "dbfleet_fresh_pool": "4"}
    assert resolve({}, {}, ini) == IsolationSettings(Level.RESET, LeakMode.WARN, 4)
    environ = {"DBFLEET_ISOLATION": "fresh", "DBFLEET_CHECK_LEAKS": "fail"}
    assert resolve({}, environ, ini) == IsolationSettings(Level.FRESH, LeakMode.FAIL, 4)
    cli = {"isolation": "rollback", "check_leaks": "off", "pool_size": "1"}
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


# -- drivers --------------------------------------------------------------------------------


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


# -- the reset's table graph ----------------------------------------------------------------

tables = st.sampled_from([f"t{i}" for i in range(8)])
graphs = st.dictionaries(tables, st.sets(tables, max_size=3), max_size=8)


@given(graphs, st.sets(tables, max_size=4))
def test_the_closure_holds_every_referencer_of_its_members(
    references: dict[str, set[str]], changed: set[str]
) -> None:
    closure = referencing_closure(changed, references)
    assert changed <= closure
    for table, parents in references.items():
        if parents & closure:
            assert table in closure


@given(graphs, st.sets(tables, max_size=8))
def test_parents_come_first_unless_a_cycle_forbids_it(
    references: dict[str, set[str]], chosen: set[str]
) -> None:
    order = parents_first(chosen, references)
    assert sorted(order) == sorted(chosen)
    assert order == parents_first(chosen, references)
    position = {table: i for i, table in enumerate(order)}
    # Without cycles among the chosen tables, every reference points backwards.
    if not _has_cycle(chosen, references):
        for table in chosen:
            for parent in references.get(table, set()) & chosen - {table}:
                assert position[parent] < position[table]


def _has_cycle(chosen: set[str], references: dict[str, set[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(table: str) -> bool:
        state[table] = 1
        for parent in references.get(table, set()) & chosen - {table}:
            if state.get(parent) == 1 or (parent not in state and visit(parent)):
                return True
        state[table] = 2
        return False

    return any(table not in state and visit(table) for table in chosen)


def test_a_changed_parent_brings_its_children_along() -> None:
    references = {"line": {"entry"}, "entry": {"book"}, "fx": set()}
    assert referencing_closure({"book"}, references) == {"book", "entry", "line"}
    assert parents_first({"line", "entry", "book"}, references) == ["book", "entry", "line"]


# -- leaks ----------------------------------------------------------------------------------


def test_leaks_are_the_tables_whose_count_moved() -> None:
    found = leaks({"item": 2, "tag": 1, "same": 5}, {"item": 4, "tag": 0, "same": 5, "new": 1})
    assert found == (Leak("item", 2, 4), Leak("new", 0, 1), Leak("tag", 1, 0))
    assert describe(found) == "item +2 rows, new +1 row, tag -1 row"


@given(st.dictionaries(st.text(min_size=1), st.integers(0, 10**6)), st.data())
def test_leaks_survive_the_trip_from_a_worker(before: dict[str, int], data: st.DataObject) -> None:
    after = {name: data.draw(st.integers(0, 10**6)) for name in before}
    found = leaks(before, after)
    assert from_json(to_json(found)) == found
    assert all(leak.delta for leak in found)


# -- missing libraries ----------------------------------------------------------------------


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


def test_the_pool_asks_postgresql_14_and_later_to_abort_a_clone_whose_client_died() -> None:
    url = make_url("postgresql://app@db/app_test?options=-c%20work_mem%3D64MB")
    assert crash_safe_url(url, 13) == url
    assert crash_safe_url(url, 15).query["options"] == (
        "-c work_mem=64MB -c client_connection_check_interval=50"
    )
    plain = make_url("postgresql://app@db/app_test")
    assert pool_backend_url(plain, "16").query["options"] == (
        "-c client_connection_check_interval=50"
    )
    sqlite = make_url("sqlite:///app_test.db")
    assert pool_backend_url(sqlite, "3") == sqlite
