"""pytest-django suites on every database kind: clones instead of migrations, templates reused
until a migration changes, and dbfleet's ownership rules with Django's test databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backends.servers import Server
from dbfleet.marker import Marker
from support import dead_run, run

#: Added by a test: the migration edit that must rebuild the template exactly once.
PRICE = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_seed")]
    operations = [migrations.AddField("Item", "price", models.IntegerField(default=0))]
"""

pytestmark = pytest.mark.django

TEMPLATE = re.compile(r"template (\S+_tpl_\w+) (reused|built)")


def _template(result: pytest.RunResult) -> tuple[str, str]:
    found = TEMPLATE.search(result.stdout.str())
    assert found, result.stdout.str()
    return found.group(1), found.group(2)


def test_workers_get_clones_and_a_warm_run_migrates_nothing(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    first = run(django_project, "-n", "2")
    first.assert_outcomes(passed=10)
    name, how = _template(first)
    assert how == "built"
    assert re.search(r"built in [\d.]+s \(\d+ migrations\)", first.stdout.str())
    first.stdout.fnmatch_lines(["*2 test database(s) cloned*migrations run in the workers: 0"])

    warm = run(django_project, "-n", "2")
    warm.assert_outcomes(passed=10)
    assert _template(warm) == (name, "reused")
    warm.stdout.fnmatch_lines(["*2 test database(s) cloned*migrations run in the workers: 0"])
    # The workers' clones are gone; the template stays for the next run.
    assert server.names(f"test_{django_base}") == {name}


def test_the_same_suite_passes_with_pytest_django_alone(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    """The inner suite is a fair one: pytest-django alone (in-memory on SQLite) passes it."""
    result = run(django_project, "-n", "2", "-p", "no:dbfleet", "-k", "not workers_clone")
    result.assert_outcomes(passed=9)
    assert "dbfleet" not in result.stdout.str()


def test_a_migration_edit_rebuilds_the_template_exactly_once(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    run(django_project, "-n", "2").assert_outcomes(passed=10)
    old, _ = _template(run(django_project, "-n", "2"))
    migrations = django_project.path / "shop" / "migrations"
    (migrations / "0003_price.py").write_text(PRICE)
    models = django_project.path / "shop" / "models.py"
    models.write_text(models.read_text() + "    price = models.IntegerField(default=0)\n")
    # The stale-schema trap: a test of the new column passes only on a rebuilt template.
    django_project.makepyfile(
        test_price="""
        import pytest
        from django.db import connection

        @pytest.mark.django_db
        def test_price_column_exists():
            with connection.cursor() as cursor:
                columns = connection.introspection.get_table_description(cursor, "shop_item")
            assert "price" in [column.name for column in columns]
        """
    )
    rebuilt = run(django_project, "-n", "2")
    rebuilt.assert_outcomes(passed=11)
    new, how = _template(rebuilt)
    assert (how, new != old) == ("built", True)
    assert re.search(r"built in [\d.]+s \(\d+ migrations\)", rebuilt.stdout.str())
    again = run(django_project, "-n", "2")
    again.assert_outcomes(passed=11)
    assert _template(again) == (new, "reused")
    # The older template is kept beside the new one: a switch back to it reuses it.
    assert server.names(f"test_{django_base}") == {old, new}


def test_a_serial_run_uses_the_name_pytest_django_would(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    result = run(django_project)
    result.assert_outcomes(passed=10)
    result.stdout.fnmatch_lines(
        ["*1 test database(s) cloned*migrations run in the test process: 0"]
    )
    assert len(server.names(f"test_{django_base}")) == 1  # the template only


def test_a_crashed_runs_leftover_is_collected(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    django_project.makepyfile(
        test_crash="""
        import os, signal
        import pytest

        @pytest.mark.django_db
        def test_crash():
            if os.environ.get("CRASH"):
                os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    monkeypatch.setenv("CRASH", "1")
    crashed = django_project.runpytest_subprocess("-k", "crash", timeout=120)
    assert crashed.ret == -9
    leftover = f"test_{django_base}"
    assert leftover in server.names(leftover), "the killed run left its database behind"
    monkeypatch.delenv("CRASH")
    run(django_project).assert_outcomes(passed=11)
    assert leftover not in server.names(leftover)  # only the template is left


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_an_unmarked_database_in_the_way_is_refused_and_kept(
    django_project: pytest.Pytester, server: Server, django_base: str, workers: list[str]
) -> None:
    """A test database pytest-django (or a person) made is not dbfleet's: one line, untouched."""
    name = f"test_{django_base}" + ("_gw1" if workers else "")
    server.plant(name, None)
    result = run(django_project, *workers)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert f"database {name} exists but was not created by dbfleet" in errors[0]
    assert "pytest-django kept (--reuse-db): one run of pytest -p no:dbfleet" in errors[0]
    assert "Traceback" not in result.stderr.str()
    assert server.precious(name) == [("keep me",)]
    # Refused before anything was built: no template, nothing but the planted database.
    assert server.names(f"test_{django_base}") == {name}


def test_a_dead_runs_marked_leftover_is_taken_over(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    name = f"test_{django_base}_gw0"
    server.plant(name, Marker.new("worker", f"test_{django_base}", "", dead_run()))
    run(django_project, "-n", "2").assert_outcomes(passed=10)
    assert name not in server.names(f"test_{django_base}")


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_reuse_db_is_explained_and_create_db_rebuilds(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    built = run(django_project, "-n", "2", "--reuse-db")
    built.assert_outcomes(passed=10)
    built.stdout.fnmatch_lines(["dbfleet: --reuse-db is not needed with dbfleet: *fresh clone*"])
    first, _ = _template(built)
    rebuilt = run(django_project, "-n", "2", "--create-db")
    rebuilt.assert_outcomes(passed=10)
    rebuilt.stdout.fnmatch_lines(["dbfleet: --create-db: the template was rebuilt, not reused"])
    second, how = _template(rebuilt)
    assert how == "built"
    assert second != first
    # The template --reuse-db's run built is kept beside the rebuilt one.
    assert server.names(f"test_{django_base}") == {first, second}


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_database_url_is_left_to_the_settings_and_an_explicit_url_is_refused(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Django settings often read ``DATABASE_URL`` (dj-database-url): in a Django suite it is
    not a dbfleet URL, so nothing is provisioned from it twice; naming one is a contradiction."""
    monkeypatch.setenv("DATABASE_URL", server.url(f"{django_base}_url"))
    result = run(django_project, "-W", "error")
    result.assert_outcomes(passed=10)
    assert not server.names(f"{django_base}_url")
    monkeypatch.setenv("DBFLEET_URL", server.url(f"{django_base}_url"))
    refused = run(django_project)
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(
        [
            "ERROR: dbfleet: this is a Django suite (pytest-django, djsettings), whose databases "
            "come from DATABASES, but DBFLEET_URL also names one; remove it, or set "
            "dbfleet_django = false to provision that URL instead"
        ]
    )


TWO_DATABASES = """
import json, os
default = json.loads(os.environ["DBFLEET_TEST_DJANGO_DB"])
DATABASES = {
    "default": default,
    "archive": {**default, "NAME": default["NAME"] + "_archive"},
    "replica": {**default, "TEST": {"MIRROR": "default"}},
}
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
SECRET_KEY = "not-a-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_every_alias_gets_its_template_and_mirrors_follow(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    django_project.makepyfile(djsettings=TWO_DATABASES)
    django_project.makepyfile(
        test_aliases="""
        import os
        import pytest
        from django.db import connections
        from shop.models import Item

        @pytest.mark.django_db(databases=["default", "archive", "replica"])
        def test_aliases():
            worker = os.environ["PYTEST_XDIST_WORKER"]
            base = os.environ["EXPECTED_NAME"]
            assert connections["default"].settings_dict["NAME"] == f"{base}_{worker}"
            assert connections["archive"].settings_dict["NAME"] == f"{base}_archive_{worker}"
            assert connections["replica"].settings_dict["NAME"] == f"{base}_{worker}"
            assert Item.objects.using("archive").filter(name="seeded").count() == 1
        """
    )
    result = run(django_project, "-n", "2")
    result.assert_outcomes(passed=11)
    result.stdout.fnmatch_lines(
        [
            "django: DATABASES?'archive'? template *_archive_tpl_* built*",
            "django: DATABASES?'default'? template *_tpl_* built*",
        ]
    )
    assert len(server.names(f"test_{django_base}")) == 2  # the two templates


def test_a_failing_migration_is_one_line_and_leaves_nothing(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    (django_project.path / "shop" / "migrations" / "0003_broken.py").write_text(
        "from django.db import migrations\n\n\n"
        "def fail(apps, schema_editor):\n"
        "    raise RuntimeError('the data migration is broken')\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0002_seed')]\n"
        "    operations = [migrations.RunPython(fail)]\n"
    )
    for workers in ([], ["-n", "2"]):
        result = run(django_project, *workers)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        errors = [line for line in result.errlines if line.startswith("ERROR:")]
        assert len(errors) == 1, result.errlines
        assert (
            "'django migrate --database default' failed at migration shop.0003_broken"
            in (errors[0])
        )
        assert "RuntimeError: the data migration is broken" in errors[0]
        assert "nothing was kept" in errors[0]
        assert "Traceback" not in result.stderr.str()
        assert not server.names(f"test_{django_base}")


def test_clones_made_ahead_for_workers_that_need_none_are_dropped(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    result = run(django_project, "-n", "2", "-k", "needs_no_database")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*2 test database(s) cloned ahead*no worker needed one*"])
    assert len(server.names(f"test_{django_base}")) == 1  # the template only


def test_a_crashed_workers_database_is_dropped_by_the_controller(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRASH_FLAG", str(django_project.path / "crashed"))
    django_project.makepyfile(
        test_crash="""
        import os, pathlib, signal
        import pytest

        @pytest.mark.django_db
        def test_crash():
            flag = pathlib.Path(os.environ["CRASH_FLAG"])
            if not flag.exists():
                flag.touch()
                os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = run(django_project, "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*worker 'gw?' crashed while running*test_crash*"])
    assert len(server.names(f"test_{django_base}")) == 1  # the template only


GROUPED = """
import json, os
default = json.loads(os.environ["DBFLEET_TEST_DJANGO_DB"])
DATABASES = {
    "default": default,
    # The same test database through another alias (a read-only user, say): one group.
    "reporting": dict(default),
    # An engine dbfleet cannot clone (Django's dummy stands in for, say, Oracle, whose
    # driver is not installed here).
    "legacy": {"ENGINE": "django.db.backends.dummy"},
}
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
SECRET_KEY = "not-a-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_grouped_aliases_share_a_template_and_an_alias_without_a_database_is_left_alone(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    django_project.makepyfile(djsettings=GROUPED)
    django_project.makepyfile(
        test_aliases="""
        import pytest
        from shop.models import Item

        @pytest.mark.django_db(databases=["reporting"])
        def test_reporting_alone():
            assert Item.objects.using("reporting").filter(name="seeded").count() == 1
        """
    )
    result = run(django_project, "-k", "reporting_alone or needs_no_database")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["dbfleet: DATABASES?'legacy'?: no database configured (Django's dummy engine)"]
    )
    collected = run(django_project, "--collect-only", "-q")
    assert collected.ret == pytest.ExitCode.OK
    assert "dbfleet" not in collected.stdout.str()


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_a_build_never_reaches_another_aliases_real_database(
    django_project: pytest.Pytester, server: Server, django_base: str, tmp_path: Path
) -> None:
    """A data migration that writes through the default manager while another alias's
    template is built must not write into the real database that alias's NAME names."""
    real = tmp_path / "real_default.sqlite3"
    django_project.makepyfile(
        djsettings=f"""
import json, os
default = json.loads(os.environ["DBFLEET_TEST_DJANGO_DB"])
DATABASES = {{
    "default": {{**default, "NAME": {str(real)!r}}},
    "other": {{**default, "NAME": default["NAME"] + "_other.db"}},
}}
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
SECRET_KEY = "x"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""
    )
    seed = django_project.path / "shop" / "migrations" / "0002_seed.py"
    seed.write_text(seed.read_text().replace(".using(schema_editor.connection.alias)", ""))
    result = run(django_project, "-k", "needs_no_database")
    assert not real.exists(), "the build wrote into the real default database"
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "migration 'django migrate --database" in result.stderr.str()
