"""The Django integration: pytest-django suites get a database per worker cloned from a template.

Active when pytest-django is installed and a settings module is configured; no dbfleet URL is
needed, the connection settings come from ``DATABASES``. pytest-django's ``django_db_setup``
would create each worker's ``test_<name>_gw0`` and run every migration into it; dbfleet replaces
that one fixture, so the template is migrated once per fingerprint and each worker's database is
a clone, under the name pytest-django would have used. Everything else in pytest-django (the
``django_db`` marker, ``TestCase``, ``TransactionTestCase``, ``serialized_rollback``) runs as is.

- ``databases``: ``DATABASES`` entries as the test databases Django would create, as URLs;
- ``migrations``: the migration files (from Django's app registry) and the ``migrate`` child;
- ``plugin``: the pytest glue, the fixture and the ``dbfleet`` summary line.
"""
