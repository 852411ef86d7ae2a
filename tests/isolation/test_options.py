"""How a level is chosen: ini, command line, marks on modules, classes and functions; and what
the plugin says when it cannot do what it is asked."""

from __future__ import annotations

import pytest
from inner_projects import INHERITED, run_inner

LEVELS_SEEN = """
import pytest

pytestmark = pytest.mark.dbfleet(isolation="reset")


def test_module_level(_dbfleet_isolation):
    assert _dbfleet_isolation.level.value == "reset"


@pytest.mark.dbfleet(isolation="fresh")
def test_function_beats_module(_dbfleet_isolation):
    assert _dbfleet_isolation.level.value == "fresh"


@pytest.mark.dbfleet(isolation="rollback")
class TestClass:
    def test_class_beats_module(self, _dbfleet_isolation):
        assert _dbfleet_isolation.level.value == "rollback"

    @pytest.mark.dbfleet(isolation="none")
    def test_function_beats_class(self, _dbfleet_isolation):
        assert _dbfleet_isolation.level.value == "none"
"""

DEFAULT_SEEN = """
def test_default(_dbfleet_isolation):
    assert _dbfleet_isolation.level.value == "{level}"
"""


def test_marks_override_the_default_closest_first(pg_project: pytest.Pytester) -> None:
    pg_project.makepyfile(test_levels=LEVELS_SEEN)
    run_inner(pg_project).assert_outcomes(passed=4)


def test_the_command_line_beats_the_ini(pg_project: pytest.Pytester) -> None:
    pg_project.makeini(
        "[pytest]\ndbfleet_migrate = sql:schema.sql\ndbfleet_isolation = reset\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    pg_project.makepyfile(test_default=DEFAULT_SEEN.format(level="reset"))
    result = run_inner(pg_project)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["dbfleet isolation: reset, fresh pool 2 per worker"])
    pg_project.makepyfile(test_default=DEFAULT_SEEN.format(level="fresh"))
    result = run_inner(pg_project, "--dbfleet-isolation", "fresh", "--dbfleet-check-leaks")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["dbfleet isolation: fresh, leak check warn, fresh pool 2*"])


def test_a_misspelt_mark_stops_the_run_naming_the_test(pg_project: pytest.Pytester) -> None:
    pg_project.makepyfile(
        test_typo="""
import pytest

@pytest.mark.dbfleet(isolation="fersh")
def test_typo():
    pass
"""
    )
    result = run_inner(pg_project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: dbfleet: unknown isolation 'fersh' in @pytest.mark.dbfleet on "
            "test_typo.py::test_typo; use one of none, rollback, reset, fresh"
        ]
    )


def test_fresh_needs_a_template(pg_project: pytest.Pytester) -> None:
    pg_project.makepyfile(test_default=DEFAULT_SEEN.format(level="fresh"))
    result = run_inner(pg_project, "--dbfleet-isolation=fresh", "--dbfleet-provision=migrate")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: dbfleet: isolation fresh clones each test's database*"])


def test_without_a_database_the_fixtures_say_so_and_other_tests_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(
        test_idle="""
def test_plain():
    pass

def test_wants_a_session(dbfleet_session):
    pass
"""
    )
    result = run_inner(pytester, "--dbfleet-isolation=reset")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*dbfleet is not active: set DATABASE_URL, DBFLEET_URL*"])
