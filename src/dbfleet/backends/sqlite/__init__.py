"""SQLite: files copied with the backup API, the sign in the file header, file locks, and a
restorer that compares table contents.

This module is the kind's descriptor only; the code it names is imported when first used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dbfleet.backends.kind import Kind, KnownDriver

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

    from dbfleet.backends.base import Backend, Dumper, Restorer


def _backend(url: URL) -> Backend:
    from dbfleet.backends.sqlite.server import SqliteBackend

    return SqliteBackend(url)


def _restorer(url: URL) -> Restorer:
    from dbfleet.backends.sqlite.restore import SqliteRestorer

    return SqliteRestorer(url)


def _dumper(backend: Backend) -> Dumper:
    from dbfleet.backends.sqlite.dump import SqliteDumper

    return SqliteDumper(lambda name: Path(str(backend.url_for(name).database)))


def _django_driver() -> str:
    return "sqlite"


def _prepare_engine(engine: Engine) -> None:
    from dbfleet.backends.sqlite.engine import transactional

    transactional(engine)


KIND = Kind(
    name="sqlite",
    title="SQLite",
    schemes=("sqlite",),
    url_hint="sqlite:///file.db",
    # A file name's limit; the backend takes off the extension and the longest side file's.
    name_limit=255,
    blocking=(),
    extra="",
    asynchronous=(KnownDriver("aiosqlite", "aiosqlite", "aiosqlite"),),
    async_only=frozenset({"aiosqlite"}),
    backend=_backend,
    restorer=_restorer,
    dumper=_dumper,
    django_engines=("django.db.backends.sqlite3", "django.contrib.gis.db.backends.spatialite"),
    django_driver=_django_driver,
    file_based=True,
    prepare_engine=_prepare_engine,
)

__all__ = ["KIND"]
