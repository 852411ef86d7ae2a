"""A Django suite seen by dbfleet's tooling: the run report, the project's fixture overrides,
``dbfleet doctor`` and the database commands, all reading ``DATABASES`` as a run does."""

from __future__ import annotations

import json

import pytest

from backends.servers import Server
from support import run

pytestmark = pytest.mark.django

MODIFY_SETTINGS = """
import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    pass
"""


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_the_run_report_records_the_django_templates_and_clones(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    first = run(django_project, "-n", "2", "--dbfleet-report=report.json")
    first.assert_outcomes(passed=10)
    built = json.loads((django_project.path / "report.json").read_text())["provisioning"]
    assert built["mode"] == "clone"
    assert built["template"].startswith(f"test_{django_base}_tpl_")
    assert built["template_reused"] is False
    assert built["template_seconds"] > 0
    assert built["clones"] == len(built["database_seconds"]) == 2
    assert built["django"]["default"]["template"] == built["template"]

    run(django_project, "-n", "2", "--dbfleet-report=report.json").assert_outcomes(passed=10)
    reused = json.loads((django_project.path / "report.json").read_text())["provisioning"]
    assert reused["template"] == built["template"]
    assert reused["template_reused"] is True


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_an_overridden_modify_db_settings_fixture_is_said_to_be_unused(
    django_project: pytest.Pytester, server: Server
) -> None:
    django_project.makeconftest(MODIFY_SETTINGS)
    result = run(django_project, "-n", "2")
    result.assert_outcomes(passed=10)
    lines = [line for line in result.outlines if "django_db_modify_db_settings" in line]
    assert len(lines) == 1
    assert "conftest.py is not used" in lines[0]

    django_project.path.joinpath("conftest.py").unlink()
    quiet = run(django_project, "-n", "2")
    quiet.assert_outcomes(passed=10)
    assert "django_db_modify_db_settings" not in quiet.stdout.str()
