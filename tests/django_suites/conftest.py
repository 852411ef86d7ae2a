"""A small Django project for inner runs, on each database kind, and its clean-up.

The inner settings read the ``default`` database from ``DBFLEET_TEST_DJANGO_DB`` (JSON), built
from the same servers the rest of the suite uses, password included: every inner run's output is
checked for it (``support.run``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from backends.servers import Server
from support import INHERITED

pytest.importorskip("pytest_django")


SETTINGS = """
import json, os
DATABASES = {"default": json.loads(os.environ["DBFLEET_TEST_DJANGO_DB"])}
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
SECRET_KEY = "not-a-secret"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""

MODELS = """
from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=50)
"""

INITIAL = """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            "Item",
            [("id", models.BigAutoField(primary_key=True)), ("name", models.CharField(max_length=50))],
        )
    ]
"""

SEED = """
from django.db import migrations


def seed(apps, schema_editor):
    items = apps.get_model("shop", "Item").objects.using(schema_editor.connection.alias)
    items.create(name="seeded")


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
"""

TESTS = """
import os

import pytest
from django.db import connection
from django.test import TestCase, TransactionTestCase

from shop.models import Item


@pytest.mark.django_db
def test_the_database_is_the_workers_clone():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    expected = os.environ["EXPECTED_NAME"] + (f"_{worker}" if worker else "")
    assert os.path.basename(connection.settings_dict["NAME"]).partition(".")[0] == expected


@pytest.mark.django_db
def test_the_data_migration_ran():
    assert Item.objects.filter(name="seeded").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("n", range(4))
def test_rolled_back(n):
    Item.objects.create(name=f"row {n}")
    assert Item.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_transactional():
    Item.objects.create(name="committed")
    assert Item.objects.filter(name="committed").count() == 1


class TestCaseClass(TestCase):
    def test_rolled_back(self):
        Item.objects.create(name="in a TestCase")
        self.assertEqual(Item.objects.count(), 2)


class TestSerialized(TransactionTestCase):
    serialized_rollback = True

    def test_seed_reloaded(self):
        self.assertEqual(Item.objects.filter(name="seeded").count(), 1)


def test_needs_no_database():
    assert True
"""

INI = """[pytest]
DJANGO_SETTINGS_MODULE = djsettings
pythonpath = .
filterwarnings = error
xfail_strict = true
addopts = --strict-markers -p no:cacheprovider
asyncio_default_fixture_loop_scope = function
"""


def django_settings(server: Server, base: str) -> dict[str, object]:
    """``DATABASES['default']`` for ``base`` on ``server`` (Django's test database is
    ``test_<base>``)."""
    if server.kind == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(make_url(server.url(base)).database),
        }
    url = make_url(server.url(base))
    engine = "postgresql" if server.kind == "postgresql" else "mysql"
    return {
        "ENGINE": f"django.db.backends.{engine}",
        "NAME": base,
        "USER": url.username,
        "PASSWORD": url.password or "",
        "HOST": url.host,
        "PORT": str(url.port),
    }


@pytest.fixture
def django_base(server: Server) -> Iterator[str]:
    """The ``NAME`` of the inner project's database; its test databases are dropped after."""
    if server.kind == "mysql":
        pytest.importorskip("MySQLdb", reason="Django's MySQL backend needs mysqlclient")
    name = f"dj{uuid.uuid4().hex[:8]}"
    yield name
    server.drop_all(f"test_{name}")


@pytest.fixture
def django_project(
    pytester: pytest.Pytester, server: Server, django_base: str, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """The inner Django project, on ``server``; inner runs see none of this run's state."""
    for name in (*INHERITED, "DJANGO_SETTINGS_MODULE", "DBFLEET_DJANGO_RUN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DBFLEET_TEST_DJANGO_DB", json.dumps(django_settings(server, django_base)))
    monkeypatch.setenv("EXPECTED_NAME", f"test_{django_base}")
    pytester.makeini(INI)
    pytester.makepyfile(djsettings=SETTINGS, test_shop=TESTS)
    app = Path(pytester.path, "shop")
    (app / "migrations").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(MODELS)
    (app / "migrations" / "__init__.py").write_text("")
    (app / "migrations" / "0001_initial.py").write_text(INITIAL)
    (app / "migrations" / "0002_seed.py").write_text(SEED)
    return pytester
