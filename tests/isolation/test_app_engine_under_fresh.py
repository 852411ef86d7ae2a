"""Fresh isolation with an app that builds its own engine at import: said, not silently lost."""

from __future__ import annotations

import json

import pytest
from inner_projects import run_inner

APP = """
import os
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
Session = sessionmaker(bind=engine)


def add_item(name):
    with Session() as session:
        session.execute(text("INSERT INTO item (name) VALUES (:name)"), {"name": name})
        session.commit()
        return session.execute(text("SELECT count(*) FROM item")).scalar()
"""

TESTS = """
import pytest
import app

pytestmark = pytest.mark.dbfleet(isolation="fresh")


@pytest.mark.parametrize("n", range(4))
def test_adds_an_item(n):
    app.add_item(f"item-{n}")
"""

TESTS_COUNTING = """
import pytest
import app

pytestmark = pytest.mark.dbfleet(isolation="fresh")


@pytest.mark.parametrize("n", range(4))
def test_adds_an_item_to_its_own_database(n):
    assert app.add_item(f"item-{n}") == 3
"""

#: The recipe the warning points to: the app's sessions on the test's connection.
RECIPE = """
import pytest
import app


@pytest.fixture(autouse=True)
def _app_sessions_on_test_database(dbfleet_connection):
    app.Session.configure(bind=dbfleet_connection)
    yield
    app.Session.configure(bind=app.engine)
"""


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_an_app_engine_that_misses_the_clones_is_reported_once(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(app=APP, test_app=TESTS)
    result = run_inner(project, "-n", "2", "--dbfleet-report=report.json")
    result.assert_outcomes(passed=4)
    warnings = [line for line in result.outlines if "fresh isolation was not in effect" in line]
    assert len(warnings) == 1
    assert "for 4 test(s)" in warnings[0]
    assert "_gw" in warnings[0]
    assert "dbfleet_connection" in warnings[0]
    result.stdout.fnmatch_lines(["isolation: 0 fresh (*), 4 fresh in name only*"])
    assert result.stdout.no_fnmatch_line("isolation: 4 fresh*") is None
    report = json.loads((project.path / "report.json").read_text())
    assert report["warnings"] == warnings


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_the_documented_recipe_makes_fresh_work_without_a_warning(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(app=APP, test_app=TESTS_COUNTING, conftest=RECIPE)
    result = run_inner(project, "-n", "2", "--dbfleet-report=report.json")
    result.assert_outcomes(passed=4)
    assert "fresh isolation was not in effect" not in result.stdout.str()
    result.stdout.fnmatch_lines(["isolation: 4 fresh (*)*"])
    report = json.loads((project.path / "report.json").read_text())
    assert "warnings" not in report
