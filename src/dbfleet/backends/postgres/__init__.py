"""PostgreSQL: ``CREATE DATABASE … TEMPLATE`` clones, comments as signs, advisory locks, and a
restorer that finds changed tables through the statistics views.

This module is the kind's descriptor only; the code it names is imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbfleet.backends.kind import Kind, KnownDriver

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from dbfleet.backends.base import Backend, Dumper, Restorer


def _backend(url: URL) -> Backend:
    from dbfleet.backends.postgres.server import PostgresBackend

    return PostgresBackend(url)


def _restorer(url: URL) -> Restorer:
    from dbfleet.backends.postgres.restore import PostgresRestorer

    return PostgresRestorer(url)


def _dumper(backend: Backend) -> Dumper:
    from dbfleet.backends.postgres.dump import PostgresDumper

    return PostgresDumper(backend.url_for(backend.base_name), backend.server_version())


def _pool_url(url: URL, server_version: str) -> URL:
    """See ``restore.crash_safe_url`` for why the pool's connections carry an option."""
    if not server_version.isdigit():
        return url
    from dbfleet.backends.postgres.restore import crash_safe_url

    return crash_safe_url(url, int(server_version))


def _django_driver() -> str:
    """The driver Django's PostgreSQL backend runs on: psycopg 3 when it imports, else psycopg2.

    Django decides once, in ``psycopg_any``, loaded with the backend; dbfleet reads its answer
    rather than importing a driver itself. Without either driver Django cannot load the backend,
    and dbfleet's own connection then says which extra to install.
    """
    try:
        from django.db.backends.postgresql.psycopg_any import is_psycopg3
    except ImportError:
        return "postgresql"
    return "postgresql+psycopg" if is_psycopg3 else "postgresql+psycopg2"


KIND = Kind(
    name="postgresql",
    title="PostgreSQL",
    schemes=("postgresql",),
    url_hint="postgresql:// (+psycopg, +psycopg2, +asyncpg)",
    name_limit=63,
    blocking=(
        KnownDriver("psycopg", "psycopg", "psycopg", implied_by=("psycopg_async",)),
        KnownDriver("psycopg2", "psycopg2", "psycopg2-binary", implied_by=("",)),
    ),
    extra="postgres",
    asynchronous=(
        KnownDriver("asyncpg", "asyncpg", "asyncpg"),
        KnownDriver("psycopg", "psycopg", "psycopg"),
    ),
    async_only=frozenset({"asyncpg", "psycopg_async"}),
    backend=_backend,
    restorer=_restorer,
    dumper=_dumper,
    pool_url=_pool_url,
    django_engines=("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"),
    django_driver=_django_driver,
)

__all__ = ["KIND"]
