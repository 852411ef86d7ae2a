"""What dbfleet knows about one database kind, as one value.

A kind used to be spread over six tables in four folders (the backend lookup three times, the
blocking and the asyncio driver tables, Django's engines, the SQLite special cases), so a new kind
meant edits all over. Each kind's package now defines one ``Kind``, ``backends/__init__.py``
registers it, and every table elsewhere is read from the registered kinds.

The package's ``__init__`` holds only the descriptor: its factories import the server, restorer
and dump modules when first called, so registering every kind imports none of their code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

    from dbfleet.backends.base import Backend, Dumper, Restorer


@dataclass(frozen=True)
class KnownDriver:
    """One SQLAlchemy driver of a kind: its ``+name`` in a URL, the module it imports and the
    pip package that installs that module (they differ: ``+mysqldb`` is ``MySQLdb`` from
    ``mysqlclient``)."""

    name: str
    module: str
    package: str
    #: The ``+driver`` parts that mean this module without naming it: ``""`` for the bare scheme
    #: (SQLAlchemy's default driver), or an asyncio driver built on this blocking one.
    implied_by: tuple[str, ...] = ()


def same_url(url: URL, server_version: str) -> URL:
    """The pool's URL for kinds whose connections need no extra option."""
    return url


@dataclass(frozen=True)
class Kind:
    """One database kind: its URLs, its drivers, its server code and its Django engines."""

    #: The canonical URL scheme, also the kind's name in tables (``postgresql``).
    name: str
    #: How messages name it (``MySQL/MariaDB``).
    title: str
    #: Every URL scheme (SQLAlchemy backend name) that means this kind.
    schemes: tuple[str, ...]
    #: The URL to suggest in the message for an unsupported scheme.
    url_hint: str
    #: The longest database name the server takes, in bytes (for SQLite: a file name's).
    name_limit: int
    #: Blocking drivers, in order of preference where the URL names none of them; empty when
    #: the kind needs none installed (SQLite's ``sqlite3`` is in the standard library).
    blocking: tuple[KnownDriver, ...]
    #: The pytest-dbfleet extra that installs a blocking driver (``""`` when none is needed).
    extra: str
    #: Asyncio drivers, in order of preference.
    asynchronous: tuple[KnownDriver, ...]
    #: ``+driver`` names that only run under asyncio: the sync fixtures swap them for a blocking
    #: driver. An asynchronous driver not listed here also serves blocking engines (psycopg 3).
    async_only: frozenset[str]
    #: The provisioning backend for a URL of this kind (connects to the server).
    backend: Callable[[URL], Backend]
    #: The per-test restorer for a worker database's URL.
    restorer: Callable[[URL], Restorer]
    #: The dump and restore of the template cache, on the backend's server.
    dumper: Callable[[Backend], Dumper]
    #: Django's ENGINE values this kind provisions (GIS engines included).
    django_engines: tuple[str, ...]
    #: The ``drivername`` of Django's backend for this kind, so dbfleet's own connections use
    #: the driver Django runs on; called only once Django is configured.
    django_driver: Callable[[], str]
    #: The URL the fresh pool provisions through, given the server's major version.
    pool_url: Callable[[URL, str], URL] = same_url
    #: The database is a file the URL's path names, not a name on a server.
    file_based: bool = False
    #: The URL query key a Unix socket path goes in, for a Django ``HOST`` that is one
    #: (``""``: the driver takes the directory as the host itself).
    socket_option: str = ""
    #: What a SQLAlchemy engine on this kind needs before the fixtures use it.
    prepare_engine: Callable[[Engine], None] | None = None
