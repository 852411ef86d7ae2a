"""A Django suite seen by dbfleet's tooling: the run report, the project's fixture overrides,
``dbfleet doctor`` and the database commands, all reading ``DATABASES`` as a run does."""

from __future__ import annotations

import json
import re

import pytest

from backends.servers import Server
from dbfleet.cli import main
from support import SECRET, run

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
    assert built["template_how"] == built["django"]["default"]["template_how"] == "built"
    assert built["template_seconds"] > 0
    assert built["clones"] == len(built["database_seconds"]) == 2
    assert built["django"]["default"]["template"] == built["template"]

    run(django_project, "-n", "2", "--dbfleet-report=report.json").assert_outcomes(passed=10)
    reused = json.loads((django_project.path / "report.json").read_text())["provisioning"]
    assert reused["template"] == built["template"]
    assert reused["template_reused"] is True
    assert reused["template_how"] == "reused"


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


def _template_of(result: pytest.RunResult) -> str:
    found = re.search(r"template (\S+_tpl_\w+) (?:reused|built)", result.stdout.str())
    assert found, result.stdout.str()
    return found.group(1)


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_doctor_reads_databases_and_calls_the_runs_template_current(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    code = main(["doctor", str(django_project.path)])
    before = capsys.readouterr().out
    assert code == 0, before
    assert "djsettings (from ini DJANGO_SETTINGS_MODULE)" in before
    assert "DATABASES['default'] -> " in before
    assert "not built yet: the first run does" in before
    assert "fingerprint  shop/migrations/0002_seed.py" in before

    template = _template_of(run(django_project, "-n", "2"))
    code = main(["doctor", str(django_project.path)])
    after = capsys.readouterr().out
    assert code == 0, after
    assert f"ok      template     {template} is current: the next run reuses it" in after
    assert "PROBLEM" not in after
    assert SECRET not in before + after


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_list_and_drop_act_on_the_django_test_databases_without_a_url(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = _template_of(run(django_project, "-n", "2"))
    monkeypatch.chdir(django_project.path)
    capsys.readouterr()
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert template in listed
    assert main(["gc"]) == 0
    assert main(["drop", "--templates"]) == 0
    dropped = capsys.readouterr().out
    assert f"dropped {template}" in dropped
    assert server.names(f"test_{django_base}") == set()
    assert SECRET not in listed + dropped


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_doctor_calls_a_dbfleet_url_in_a_django_suite_the_problem_pytest_refuses(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DBFLEET_URL", server.url(f"{django_base}_url"))
    capsys.readouterr()
    code = main(["doctor", str(django_project.path)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "PROBLEM url          DBFLEET_URL names a database" in out
    assert "pytest will refuse to start" in out
    assert SECRET not in out
    refused = run(django_project)
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    assert "whose databases come from DATABASES" in refused.stderr.str()
