"""The protocols a database kind implements: ``Backend`` (provisioning: create, sign, clone,
drop, lock) and ``Restorer`` (what ``reset`` and the leak detector ask of a worker database).

Modelled on pgtestdb's split: the fleet decides *what* to create, clone and drop; a backend only
knows *how* on its server. Adding a database kind means adding one package under ``backends/``
with both (its ``server`` and ``restore`` modules, and ``dump``), described by the ``Kind`` in its
``__init__`` and registered in ``backends/__init__.py``.

A restorer captures the database's rows once, at the start of the session, while it is still an
untouched clone of the template; after a test it finds the tables whose rows changed, however and
by whom they were written, and puts back exactly those (plus what references them).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import URL

from dbfleet.marker import Marker


@dataclass(frozen=True)
class ManagedDatabase:
    """A database on the server together with its dbfleet marker."""

    name: str
    marker: Marker


@dataclass(frozen=True)
class Contents:
    """What a database holds, so a person can judge it before it is dropped: its tables and
    its size on disk (None where the server would not say)."""

    tables: int | None
    bytes: int | None


class Backend(Protocol):
    """One server connection, used for provisioning only (never by the tests themselves)."""

    #: The server's longest identifier, in bytes (63 on PostgreSQL).
    name_limit: int

    #: The base name every database name is derived from (``app_test`` for
    #: ``…/app_test`` on a server, and for ``sqlite:///app_test.db`` too).
    base_name: str

    def server_version(self) -> str:
        """The server's major version, which enters the template fingerprint."""
        ...

    def url_for(self, name: str) -> URL:
        """The URL of database ``name`` on this server, with the base URL's driver and options."""
        ...

    def exists(self, name: str) -> bool: ...

    def marker(self, name: str) -> Marker | None:
        """The marker of ``name``; None when it does not exist or is not dbfleet's."""
        ...

    def create_empty(self, name: str, marker: Marker) -> None:
        """Create ``name`` signed with ``marker``: a crash at any step leaves either nothing
        under ``name`` or something ``marker()`` and the sweeps recognise as unfinished."""
        ...

    def clone(self, template: str, name: str, marker: Marker) -> None:
        """Create ``name`` as a copy of ``template``, signed like ``create_empty``; concurrent
        clones may run, never fail."""
        ...

    def finish_template(self, building: str, template: str, marker: Marker) -> None:
        """Turn a completely built database into the template, atomically by name."""
        ...

    def drop(self, name: str) -> None:
        """Drop ``name`` even if leaked connections remain. Callers check the marker first."""
        ...

    def has_sessions(self, name: str) -> bool:
        """Whether anyone is connected to ``name``: a database in use is never a leftover."""
        ...

    def list_managed(self) -> list[ManagedDatabase]:
        """Every database whose marker (and, where it lives beside it, sign) proves it ours."""
        ...

    def list_staging(self) -> list[str]:
        """Databases under a staging name (``marker.STAGING_PREFIX``), signed or not."""
        ...

    def list_names(self, prefix: str) -> list[str]:
        """Every database whose name starts with ``prefix``, marked or not, sorted."""
        ...

    def contents(self, name: str) -> Contents:
        """The tables and size of ``name``, read without changing it."""
        ...

    def run_sql(self, name: str, script: str) -> None:
        """Execute a migration script inside database ``name``."""
        ...

    def lock(self, key: str) -> AbstractContextManager[None]:
        """A server-wide lock that other processes and hosts using this server also respect."""
        ...

    def hold_shared(self, key: str) -> None:
        """Hold a shared lock on ``key`` until the backend closes: "this run uses it"."""
        ...

    def try_exclusive(self, key: str) -> bool:
        """Take ``key`` exclusively if no run holds it shared or exclusive; never waits."""
        ...

    def release_exclusive(self, key: str) -> None: ...

    def close(self) -> None: ...


class Dumper(Protocol):
    """Saves a template as one file and fills a new build from one (the template cache), with
    the kind's own client programs; the password reaches them only through their environment."""

    def tools(self) -> str:
        """Which programs dump and restore here, or why none can (for ``dbfleet doctor``)."""
        ...

    def dump(self, name: str, path: Path) -> str:
        """Write database ``name`` to ``path``; returns what wrote it (``pg_dump 15``)."""
        ...

    def unrestorable(self, written_by: str) -> str | None:
        """Why a file ``written_by`` wrote cannot be restored here (a tool missing or too old
        to read it), or None."""
        ...

    def restore(self, path: Path, name: str, marker: Marker, written_by: str) -> None:
        """Fill database ``name``, just created empty and signed with ``marker``, from
        ``path``, which ``written_by`` wrote."""
        ...


@dataclass(frozen=True)
class Changes:
    """What differs from the captured template state."""

    tables: frozenset[str] = frozenset()
    sequences: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.tables or self.sequences)


@dataclass(frozen=True)
class Restored:
    """What a reset put back: the tables emptied and refilled, the counters set back."""

    tables: tuple[str, ...] = ()
    sequences: tuple[str, ...] = ()


class Restorer(Protocol):
    def counts(self) -> dict[str, int]:
        """Rows per table right now, committed rows only; for the leak detector."""
        ...

    def capture(self) -> None:
        """Remember every table's rows and every counter's position as the template state."""
        ...

    def changes(self) -> Changes:
        """Tables and counters that differ from the captured state (committed changes)."""
        ...

    def restore(self, changes: Changes) -> Restored:
        """Bring what changed back to the captured state, in one transaction where possible."""
        ...

    def close(self) -> None: ...
