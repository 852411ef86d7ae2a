"""A Django shard on a fresh server restores the template from the cache instead of migrating."""

from __future__ import annotations

import json
import re

import pytest

from backends.servers import Server
from support import SECRET, run

pytestmark = pytest.mark.django


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_a_second_ci_job_restores_the_django_template_and_runs_no_migration(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    ini = django_project.path / "tox.ini"
    ini.write_text(ini.read_text().rstrip("\n") + "\ndbfleet_template_cache = ci-templates\n")
    first = run(django_project, "-n", "2")
    first.assert_outcomes(passed=10)
    assert re.search(r"built in [\d.]+s \((\d+) migrations\)", first.stdout.str())
    server.drop_all(f"test_{django_base}")
    second = run(django_project, "-n", "2", "--dbfleet-report=report.json")
    second.assert_outcomes(passed=10)
    provisioning = json.loads((django_project.path / "report.json").read_text())["provisioning"]
    assert provisioning["template_how"] == "restored"
    assert provisioning["django"]["default"]["template_how"] == "restored"
    second.stdout.fnmatch_lines(
        [
            # Under xdist the header is shown while the restore goes on; the summary says how long.
            "*template test_*_tpl_* (restoring while the workers start)*",
            "*template test_*_tpl_* restored from cache in *s (0 migrations)*",
            "*migrations run in the workers: 0",
        ]
    )
    for path in (django_project.path / "ci-templates").iterdir():
        assert SECRET.encode() not in path.read_bytes()
