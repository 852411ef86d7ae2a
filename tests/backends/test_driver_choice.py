"""dbfleet connects with the driver the project has, and installing it changes no project's driver.

Inner sessions run with the other drivers of the kind made unimportable (``backends.blocking``),
as on a machine where only the project's driver is installed; and with everything importable,
where dbfleet must still import only the driver the URL names (Django >= 4.2 switches to
psycopg 3 whenever it is imported).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from backends.blocking import without
from backends.servers import PostgresServer, Server
from dbfleet.backends.dbapi import blocking_modules
from dbfleet.inifile import _read_toml
from dbfleet.urls import connectable
from support import SECRET, inner_environment, run

ROOT = Path(__file__).resolve().parents[2]

#: The driver modules of each kind: whichever the URL does not name gets blocked.
MODULES = {"postgresql": ("psycopg", "psycopg2"), "mysql": ("pymysql", "MySQLdb")}

TESTS = """
import os
import sys

from dbfleet.cli import main

DRIVERS = ("psycopg", "psycopg2", "pymysql", "MySQLdb")


def test_provisioned_and_listed(dbfleet_database, capsys):
    assert main(["list", "--url", os.environ["DBFLEET_URL"]]) == 0
    assert dbfleet_database.name in capsys.readouterr().out
    loaded = [name for name in DRIVERS if sys.modules.get(name) is not None]
    assert loaded == [os.environ["EXPECTED_DRIVER"]]
"""

DROP = """
import sys

for name in sys.argv[1].split(","):
    sys.modules[name] = None
from dbfleet.cli import main

raise SystemExit(main(["drop", "--templates", "--url", sys.argv[2]]))
"""


@dataclass(frozen=True)
class Case:
    server: Server
    url: str
    driver: str
    others: tuple[str, ...]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.fixture(
    params=[
        ("postgresql", "psycopg2", "psycopg2"),
        ("postgresql", "psycopg", "psycopg"),
        ("mysql", "mysqldb", "MySQLdb"),
        ("mysql", "pymysql", "pymysql"),
    ],
    ids=["psycopg2", "psycopg", "mysqlclient", "pymysql"],
)
def case(request: pytest.FixtureRequest, pg_server: URL) -> Iterator[Case]:
    kind, drivername, module = request.param
    if not _installed(module):
        pytest.skip(f"{module} is not installed here (the test extra and dev.py install it)")
    server: Server = (
        PostgresServer(pg_server, SECRET)
        if kind == "postgresql"
        else request.getfixturevalue("mysql_server")
    )
    base = f"dbft_{uuid.uuid4().hex[:8]}"
    url = make_url(server.url(base)).set(drivername=f"{kind}+{drivername}")
    others = tuple(name for name in MODULES[kind] if name != module)
    yield Case(server, connectable(url), module, others)
    server.drop_all(base)


def _project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    inner_environment(monkeypatch, case.url)
    monkeypatch.setenv("EXPECTED_DRIVER", case.driver)
    pytester.makeini(
        "[pytest]\ndbfleet_migrate = sql:schema.sql\nfilterwarnings = error\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    (pytester.path / "schema.sql").write_text("CREATE TABLE item (id INTEGER PRIMARY KEY);\n")
    pytester.makepyfile(test_driver=TESTS)


def test_dbfleet_provisions_lists_and_drops_with_only_the_driver_the_url_names(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    _project(pytester, monkeypatch, case)
    result = run(pytester, *without(pytester, monkeypatch, case.others))
    result.assert_outcomes(passed=1)
    base = make_url(case.url).database or ""
    assert case.server.names(base), "the template should stay for the next run"
    dropped = subprocess.run(
        [sys.executable, "-c", DROP, ",".join(case.others), case.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dropped.returncode == 0, dropped.stderr
    assert SECRET not in dropped.stdout + dropped.stderr
    assert case.server.names(base) == set()


def test_dbfleet_imports_no_driver_beside_the_one_the_url_names(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    _project(pytester, monkeypatch, case)
    run(pytester).assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("scheme", "line"),
    [
        (
            "postgresql",
            "dbfleet: PostgreSQL needs a driver (psycopg or psycopg2-binary) and none is "
            "installed; pip install 'pytest-dbfleet[postgres]'",
        ),
        (
            "mysql",
            "dbfleet: MySQL/MariaDB needs a driver (PyMySQL or mysqlclient) and none is "
            "installed; pip install 'pytest-dbfleet[mysql]'",
        ),
    ],
)
def test_without_any_driver_the_run_stops_with_the_extra_to_install(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scheme: str, line: str
) -> None:
    inner_environment(monkeypatch, f"{scheme}://root:{SECRET}@127.0.0.1/dbft_nodriver")
    pytester.makepyfile(test_db="def test_uses_db(dbfleet_url):\n    pass\n")
    result = run(pytester, *without(pytester, monkeypatch, MODULES[scheme]))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [text for text in result.errlines if text.startswith("ERROR:")]
    assert errors == [f"ERROR: {line}"], result.errlines
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize(
    ("drivername", "tried"),
    [
        ("postgresql+psycopg2", ("psycopg2", "psycopg")),
        ("postgresql+psycopg", ("psycopg", "psycopg2")),
        ("postgresql+asyncpg", ("psycopg", "psycopg2")),
        # A bare scheme is SQLAlchemy's default driver.
        ("postgresql", ("psycopg2", "psycopg")),
        ("mysql+mysqldb", ("MySQLdb", "pymysql")),
        ("mariadb", ("MySQLdb", "pymysql")),
        ("mysql+aiomysql", ("pymysql", "MySQLdb")),
        ("sqlite", ()),
    ],
)
def test_the_driver_the_url_names_is_tried_first(drivername: str, tried: tuple[str, ...]) -> None:
    assert blocking_modules(drivername) == tried


def test_no_database_driver_is_a_hard_dependency() -> None:
    project = _read_toml(ROOT / "pyproject.toml")["project"]
    drivers = ("psycopg", "pymysql", "mysqlclient", "asyncpg")
    required = [dep for dep in project["dependencies"] if dep.lower().startswith(drivers)]
    assert required == []
    extras = project["optional-dependencies"]
    assert any(dep.startswith("psycopg[binary]") for dep in extras["postgres"])
    assert any(dep.lower().startswith("pymysql") for dep in extras["mysql"])
