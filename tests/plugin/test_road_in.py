"""A team's first day: dbfleet changes nothing until the project asks for it, says what it
cannot fix (a typo in a setting, no migration, an old conftest still in place), and says it in
one line, serially and under ``-n 2``, in a strict project."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from support import INHERITED, run

HANDWRITTEN = Path(__file__).resolve().parents[1] / "handwritten"

STRICT = """[pytest]
addopts = -p no:cacheprovider --strict-markers --strict-config -W error
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

TESTS = """
import os

def test_sees_the_url():
    assert os.environ.get("DATABASE_URL")
"""


def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def test_database_url_alone_leaves_the_project_as_it_was(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    databases: Callable[[], set[str]],
) -> None:
    """A project that never mentions dbfleet, whose DATABASE_URL names a dev database: the
    package being installed changes nothing, not even a header line."""
    _clean(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", base_url)
    pytester.makeini(STRICT)
    pytester.makepyfile(test_app=TESTS)
    for args in ((), ("-n", "2")):
        result = run(pytester, *args)
        result.assert_outcomes(passed=1)
        assert "dbfleet:" not in result.stdout.str()
    assert databases() == set()


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("ini", "dbfleet_isolation (ini)"),
        ("flag", "--dbfleet-isolation"),
        ("env", "DBFLEET_ISOLATION"),
        ("plugin", "-p dbfleet"),
    ],
)
def test_any_dbfleet_setting_opts_in_and_database_url_is_then_the_url(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    base_name: str,
    how: str,
    expected: str,
) -> None:
    _clean(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", base_url)
    ini = STRICT + ("dbfleet_isolation = none\n" if how == "ini" else "")
    if how == "plugin":  # pytest-asyncio is not loaded, so its key would be unknown
        ini = ini.replace("asyncio_default_fixture_loop_scope = function\n", "")
    pytester.makeini(ini)
    pytester.makepyfile(test_app=TESTS)
    args: list[str] = []
    if how == "flag":
        args.append("--dbfleet-isolation=none")
    if how == "env":
        monkeypatch.setenv("DBFLEET_ISOLATION", "none")
    if how == "plugin":
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        args += ["-p", "dbfleet"]
    result = run(pytester, *args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"dbfleet: *{base_name} (from DATABASE_URL) -> {base_name}*"])


@pytest.mark.parametrize("workers", [(), ("-n", "2")])
def test_a_typo_in_a_setting_is_one_line_naming_the_right_key(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    databases: Callable[[], set[str]],
    workers: tuple[str, ...],
) -> None:
    _clean(monkeypatch)
    monkeypatch.setenv("DBFLEET_URL", base_url)
    pytester.makeini(STRICT + "dbfleet_isolaton = rollback\n")
    pytester.makepyfile(test_app=TESTS)
    result = run(pytester, *workers)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert errors == [
        "ERROR: dbfleet: unknown setting dbfleet_isolaton in tox.ini; "
        "did you mean dbfleet_isolation?"
    ]
    assert databases() == set()


def test_a_typo_given_with_dash_o_is_caught_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    _clean(monkeypatch)
    monkeypatch.setenv("DBFLEET_URL", base_url)
    pytester.makeini(STRICT)
    pytester.makepyfile(test_app=TESTS)
    result = run(pytester, "-o", "dbfleet_migrat=sql:schema.sql")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown setting dbfleet_migrat in -o; did you mean*"])


def test_a_run_without_a_migration_says_so_in_the_header(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    _clean(monkeypatch)
    monkeypatch.setenv("DBFLEET_URL", base_url)
    pytester.makeini(STRICT)
    pytester.makepyfile(test_app=TESTS)
    result = run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["dbfleet: no migration configured (dbfleet_migrate*"])
    pytester.makeini(STRICT + "dbfleet_migrate = sql:schema.sql\n")
    (pytester.path / "schema.sql").write_text("CREATE TABLE t (id INTEGER);\n")
    assert "no migration configured" not in run(pytester).stdout.str()


def _handwritten(pytester: pytest.Pytester, conftest: str) -> None:
    shutil.copytree(HANDWRITTEN / "project" / "app", pytester.path / "app", dirs_exist_ok=True)
    shutil.copy(HANDWRITTEN / "project" / "items_tests.py", pytester.path / "test_items.py")
    shutil.copy(HANDWRITTEN / conftest, pytester.path / "conftest.py")
    (pytester.path / "pyproject.toml").write_text((HANDWRITTEN / "ini_after.toml").read_text())


def test_an_old_conftest_left_in_place_is_not_a_silent_green(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    base_name: str,
) -> None:
    """The old conftest appends its own ``_gw0`` to dbfleet's worker database and runs the
    suite there: it passes, and the run says that dbfleet's databases went unused."""
    _clean(monkeypatch)
    monkeypatch.setenv("DATABASE_URL", base_url.replace("postgresql://", "postgresql+psycopg://"))
    _handwritten(pytester, "conftest_before.py")
    result = run(pytester, "-n", "2")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "dbfleet: WARNING: the tests did not use dbfleet's database(s) "
            f"{base_name}_gw0, {base_name}_gw1: the tests connected to *{base_name}_gw0_gw0*"
        ]
    )
    _handwritten(pytester, "conftest_after.py")
    converted = run(pytester, "-n", "2")
    converted.assert_outcomes(passed=6)
    assert "WARNING" not in converted.stdout.str()


REWRITING_CONFTEST = """
import os
from sqlalchemy.engine import make_url

url = make_url(os.environ["DATABASE_URL"])
os.environ["DATABASE_URL"] = url.set(database=url.database + "_mine").render_as_string(
    hide_password=False
)
"""


def test_an_exported_variable_rewritten_by_a_conftest_is_said(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    base_name: str,
) -> None:
    _clean(monkeypatch)
    monkeypatch.setenv("DBFLEET_URL", base_url)
    pytester.makeini(STRICT)
    pytester.makeconftest(REWRITING_CONFTEST)
    pytester.makepyfile(test_app=TESTS)
    result = run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            f"dbfleet: WARNING: the tests did not use dbfleet's database(s) {base_name}: "
            f"DATABASE_URL was rewritten after dbfleet exported it (it now names "
            f"{base_name}_mine)*"
        ]
    )
