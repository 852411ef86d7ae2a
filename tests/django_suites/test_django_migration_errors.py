"""A Django migration that fails: the one line names the exception and the migration, not the
``^`` its traceback ends with, and the child's whole output is kept in ``.dbfleet/``."""

from __future__ import annotations

import pytest

from backends.servers import Server
from support import SECRET, run

pytestmark = pytest.mark.django

BROKEN = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_seed")]
    operations = [migrations.RunSQL("CREATE TABEL broken (id int)")]
"""


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_a_failing_django_migration_names_its_exception_and_migration(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    (django_project.path / "shop" / "migrations" / "0003_broken.py").write_text(BROKEN)

    result = run(django_project)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    line = errors[0]
    assert "failed at migration shop.0003_broken: django.db.utils." in line, line
    assert "TABEL" in line, line
    assert not line.rstrip().endswith("^"), line
    assert "Traceback" not in result.stderr.str()
    logs = list((django_project.path / ".dbfleet").glob("migrate-*.log"))
    assert len(logs) == 1, logs
    assert logs[0].name in line
    output = logs[0].read_text()
    assert "Applying shop.0003_broken..." in output
    assert SECRET not in output
    assert server.names(f"test_{django_base}") == set()
