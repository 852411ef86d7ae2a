"""MySQL and MariaDB: schemas copied in one connection, a registry plus a sign inside each
schema, ``GET_LOCK`` locks, and a restorer that compares checksums.

This module is the kind's descriptor only; the code it names is imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbfleet.backends.kind import Kind, KnownDriver

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from dbfleet.backends.base import Backend, Dumper, Restorer


def _backend(url: URL) -> Backend:
    from dbfleet.backends.mysql.server import MysqlBackend

    return MysqlBackend(url)


def _restorer(url: URL) -> Restorer:
    from dbfleet.backends.mysql.restore import MysqlRestorer

    return MysqlRestorer(url)


def _dumper(backend: Backend) -> Dumper:
    from dbfleet.backends.mysql.dump import MysqlDumper

    return MysqlDumper(backend.url_for(backend.base_name))


def _django_driver() -> str:
    """Django's MySQL backend runs on MySQLdb (mysqlclient, or PyMySQL installed as MySQLdb)."""
    return "mysql+mysqldb"


KIND = Kind(
    name="mysql",
    title="MySQL/MariaDB",
    schemes=("mysql", "mariadb"),
    url_hint="mysql+pymysql:// (or mariadb+, +mysqldb, +aiomysql, +asyncmy)",
    name_limit=64,
    blocking=(
        KnownDriver("pymysql", "pymysql", "PyMySQL", implied_by=("aiomysql",)),
        KnownDriver("mysqldb", "MySQLdb", "mysqlclient", implied_by=("",)),
    ),
    extra="mysql",
    asynchronous=(
        KnownDriver("aiomysql", "aiomysql", "aiomysql"),
        KnownDriver("asyncmy", "asyncmy", "asyncmy"),
    ),
    async_only=frozenset({"aiomysql", "asyncmy"}),
    backend=_backend,
    restorer=_restorer,
    dumper=_dumper,
    django_engines=("django.db.backends.mysql", "django.contrib.gis.db.backends.mysql"),
    django_driver=_django_driver,
    socket_option="unix_socket",
)

__all__ = ["KIND"]
