"""Database kinds behind two small protocols; the rest of dbfleet never branches on the kind.

Each kind is one package (``postgres``, ``mysql``, ``sqlite``) holding its server operations,
its ownership sign, its restorer and, in its ``__init__``, the ``Kind`` that describes it. This
module registers the kinds, once; everything that differs by kind reads the descriptor.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from dbfleet.backends import mysql, postgres, sqlite
from dbfleet.backends.base import Backend, Changes, Dumper, Restored, Restorer
from dbfleet.backends.kind import Kind, KnownDriver
from dbfleet.errors import ConfigError
from dbfleet.urls import parse_url, redacted

#: Every kind dbfleet provisions, in the order messages list them. A new kind is its package
#: (server, restorer, dump, and ``KIND`` in its ``__init__``) plus its entry here.
KINDS: tuple[Kind, ...] = (postgres.KIND, mysql.KIND, sqlite.KIND)

_BY_SCHEME = {scheme: kind for kind in KINDS for scheme in kind.schemes}


def find_kind(url: URL | str) -> Kind | None:
    """The kind of a URL or a ``drivername`` (``mariadb+pymysql`` -> MySQL), None when dbfleet
    does not provision it."""
    scheme = url.get_backend_name() if isinstance(url, URL) else url.partition("+")[0]
    return _BY_SCHEME.get(scheme)


def kind_of(url: URL) -> Kind:
    """The kind of ``url``, or the one line listing the URLs dbfleet supports."""
    kind = find_kind(url)
    if kind is None:
        hints = [each.url_hint for each in KINDS]
        raise ConfigError(
            f"dbfleet: unsupported database URL scheme {url.drivername!r} in {redacted(url)}; "
            f"use {', '.join(hints[:-1])} or {hints[-1]}"
        )
    return kind


def names_a_file(url: URL) -> bool:
    """Whether ``url``'s database is a file its path names (SQLite), not a name on a server."""
    kind = find_kind(url)
    return kind is not None and kind.file_based


def open_backend(url: URL) -> Backend:
    """The backend for ``url``'s scheme, connected to the server's maintenance database."""
    return kind_of(url).backend(url)


def open_restorer(url: str | URL) -> Restorer:
    """The restorer for the database at ``url`` (the worker's own database)."""
    parsed = parse_url(url) if isinstance(url, str) else url
    kind = find_kind(parsed)
    if kind is None:
        raise ConfigError(f"dbfleet: isolation does not support {parsed.drivername!r} databases")
    return kind.restorer(parsed)


def open_dumper(backend: Backend) -> Dumper:
    """The dump and restore of ``backend``'s kind, on the same server with the same user."""
    return kind_of(backend.url_for(backend.base_name)).dumper(backend)


def pool_backend_url(url: URL, server_version: str) -> URL:
    """The URL the fresh pool provisions through (PostgreSQL adds a crash-safety option)."""
    kind = find_kind(url)
    return url if kind is None else kind.pool_url(url, server_version)


__all__ = [
    "KINDS",
    "Backend",
    "Changes",
    "Dumper",
    "Kind",
    "KnownDriver",
    "Restored",
    "Restorer",
    "find_kind",
    "kind_of",
    "names_a_file",
    "open_backend",
    "open_dumper",
    "open_restorer",
    "pool_backend_url",
]
