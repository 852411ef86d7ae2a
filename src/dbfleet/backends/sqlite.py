"""SQLite: a file per worker, copied from a template file with the ``sqlite3`` backup API.

Markers live beside the files, in ``.dbfleet/markers/`` of the database's directory, so a user's
own ``.db`` file (which has none) is never deleted and the application sees no extra table.
Locks are files in ``.dbfleet/locks/``: ``filelock`` for builds, ``flock`` shared/exclusive for
"this run uses the template".
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from filelock import FileLock
from sqlalchemy.engine import URL

from dbfleet.backends.base import ManagedDatabase
from dbfleet.errors import ConfigError, DbfleetError, MigrationError
from dbfleet.marker import Marker
from dbfleet.urls import redacted

#: The side files SQLite keeps next to a database, removed together with it.
SIDE_FILES = ("-wal", "-shm", "-journal")


class SqliteBackend:
    """Provisioning of database files in the directory of the base file."""

    def __init__(self, url: URL) -> None:
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            raise ConfigError(
                f"dbfleet: {redacted(url)} is an in-memory SQLite database, private to one "
                "connection of one process, so there is nothing to give each worker; use a "
                "file such as sqlite:///app_test.db"
            )
        path = Path(database).expanduser().resolve()
        self._url = url
        self._directory = path.parent
        self._suffix = path.suffix
        self.base_name = path.stem if path.suffix else path.name
        # File names stop at 255 bytes, and the longest file a database brings is its
        # "-journal" side file (longer than the ".json" of its marker).
        self.name_limit = 255 - len(self._suffix.encode()) - max(map(len, SIDE_FILES))
        if not self._directory.is_dir():
            raise ConfigError(
                f"dbfleet: the directory {self._directory} of {redacted(url)} does not exist; "
                "create it or point dbfleet_url elsewhere"
            )
        self._state = self._directory / ".dbfleet"
        self._held: dict[str, IO[bytes]] = {}

    def _path(self, name: str) -> Path:
        return self._directory / f"{name}{self._suffix}"

    def _marker_path(self, name: str) -> Path:
        return self._state / "markers" / f"{name}{self._suffix}.json"

    def _lock_path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        folder = self._state / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{digest}.lock"

    def server_version(self) -> str:
        return sqlite3.sqlite_version.split(".")[0]

    def url_for(self, name: str) -> URL:
        return self._url.set(database=str(self._path(name)))

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def marker(self, name: str) -> Marker | None:
        if not self.exists(name):
            return None
        try:
            return Marker.from_json(self._marker_path(name).read_text())
        except OSError:
            return None

    def _mark(self, name: str, marker: Marker) -> None:
        path = self._marker_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(marker.to_json())

    def create_empty(self, name: str, marker: Marker) -> None:
        # The marker first: a crash in between leaves a marker without a file, never an
        # unmarked file dbfleet made and would then refuse to touch.
        self._mark(name, marker)
        self._connect(self._path(name)).close()

    def clone(self, template: str, name: str, marker: Marker) -> None:
        source = self._path(template)
        if not source.exists():
            raise DbfleetError(
                f"dbfleet: template {source} disappeared before {name} was copied from it "
                "(another run rebuilt the template); run again"
            )
        self._mark(name, marker)
        # The backup API copies a consistent snapshot, WAL content included.
        with (
            contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            contextlib.closing(self._connect(self._path(name))) as dst,
        ):
            src.backup(dst)

    def finish_template(self, building: str, template: str, marker: Marker) -> None:
        path = self._path(building)
        with contextlib.closing(self._connect(path)) as conn:
            # Fold any WAL back in, so the template is one self-contained file.
            conn.execute("PRAGMA journal_mode=DELETE")
        self._mark(template, marker)
        path.replace(self._path(template))
        self._marker_path(building).unlink(missing_ok=True)
        self._path(template).chmod(0o444)

    def has_sessions(self, name: str) -> bool:
        # SQLite keeps no list of connections; a live owner is judged by its marker alone.
        return False

    def drop(self, name: str) -> None:
        path = self._path(name)
        for file in (path, *(Path(f"{path}{side}") for side in SIDE_FILES)):
            file.unlink(missing_ok=True)
        self._marker_path(name).unlink(missing_ok=True)

    def list_managed(self) -> list[ManagedDatabase]:
        managed = []
        folder = self._state / "markers"
        for marker_file in sorted(folder.glob(f"*{self._suffix}.json")):
            name = marker_file.name[: -len(f"{self._suffix}.json")]
            marker = Marker.from_json(marker_file.read_text())
            if marker is not None and self.exists(name):
                managed.append(ManagedDatabase(name, marker))
        return managed

    def run_sql(self, name: str, script: str) -> None:
        try:
            with contextlib.closing(self._connect(self._path(name))) as conn:
                conn.executescript(script)
        except sqlite3.Error as error:
            raise MigrationError(str(error)) from None

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        with FileLock(str(self._lock_path(key))):
            yield

    def hold_shared(self, key: str) -> None:
        handle = self._lock_path(f"in-use:{key}").open("ab")
        fcntl.flock(handle, fcntl.LOCK_SH)
        self._held.setdefault(key, handle)

    def try_exclusive(self, key: str) -> bool:
        handle = self._lock_path(f"in-use:{key}").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._held[f"exclusive:{key}"] = handle
        return True

    def release_exclusive(self, key: str) -> None:
        handle = self._held.pop(f"exclusive:{key}", None)
        if handle is not None:
            handle.close()

    def close(self) -> None:
        for handle in self._held.values():
            handle.close()
        self._held.clear()

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            return sqlite3.connect(path)
        except sqlite3.Error as error:
            raise DbfleetError(f"dbfleet: cannot open SQLite file {path}: {error}") from None
