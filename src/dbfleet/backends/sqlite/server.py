"""SQLite: a file per worker, copied from a template file with the ``sqlite3`` backup API.

The base file (the one the configured URL names, which a serial run uses) stays where the URL
says. Every other file dbfleet makes (templates, the workers' clones, staging copies) lives in
``.dbfleet/sqlite/`` of that directory, so a project whose URL names a file at its root does not
fill its root with them; the tests reach a clone through the URL dbfleet exports. A file of an
older dbfleet beside the base file is still found there, so it is reused, collected or refused
as before. Markers live in ``.dbfleet/markers/`` of the same directory, so the application sees
no extra table; each names a sign that the file itself carries as its ``PRAGMA
application_id`` (four bytes of the file's header, meant for exactly this). A marker whose file
was deleted and re-created by hand, or replaced by a copy of another file, no longer matches, and
that file is the user's. Every file is written under a staging name reserved to dbfleet, signed,
then renamed into place, so no name ever holds a half-made file. Locks are files in
``.dbfleet/locks/``: ``filelock`` for builds, ``flock`` shared/exclusive for "in use".
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import IO

from filelock import FileLock
from sqlalchemy.engine import URL

from dbfleet.backends.base import Contents, ManagedDatabase
from dbfleet.backends.sqlite import KIND
from dbfleet.errors import ConfigError, DbfleetError, MigrationError
from dbfleet.faults import point
from dbfleet.jsonfile import make_folder
from dbfleet.marker import STAGING_PREFIX, Marker, staging_name
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
        self.name_limit = KIND.name_limit - len(self._suffix.encode()) - max(map(len, SIDE_FILES))
        if not self._directory.is_dir():
            raise ConfigError(
                f"dbfleet: the directory {self._directory} of {redacted(url)} does not exist; "
                "create it or point dbfleet_url elsewhere"
            )
        self._state = self._directory / ".dbfleet"
        self._files = self._state / "sqlite"
        self._held: dict[str, IO[bytes]] = {}
        try:
            make_folder(self._state)  # with its .gitignore: database files are never source
            for folder in ("markers", "locks", "sqlite"):
                (self._state / folder).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"dbfleet: cannot write dbfleet's markers and locks in {self._state} "
                f"({error.strerror or error}); they must live beside the SQLite files, so point "
                "dbfleet_url at a file in a writable directory"
            ) from None

    def _path(self, name: str) -> Path:
        beside = self._directory / f"{name}{self._suffix}"
        if name == self.base_name:
            return beside
        path = self._files / f"{name}{self._suffix}"
        return beside if not path.exists() and beside.exists() else path

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
            marker = Marker.from_json(self._marker_path(name).read_text())
        except OSError:
            return None
        if marker is None or not marker.sign or self._sign_of(name) != int(marker.sign, 16):
            return None
        return marker

    def _sign_of(self, name: str) -> int | None:
        """The ``application_id`` in the file's header: bytes 68-71, big-endian (no connection
        needed, so a read-only template or a file another process writes is read the same)."""
        try:
            with self._path(name).open("rb") as file:
                header = file.read(72)
        except OSError:
            return None
        if len(header) < 72 or not header.startswith(b"SQLite format 3\0"):
            return None
        return int.from_bytes(header[68:72], "big")

    def _mark(self, name: str, marker: Marker) -> None:
        path = self._marker_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(marker.to_json())

    def _place(self, staging: Path, name: str, marker: Marker) -> None:
        """Sign the staged file, write its marker, then rename it into place (atomic)."""
        with contextlib.closing(self._connect(staging)) as conn:
            conn.execute(f"PRAGMA application_id = {int(marker.sign, 16)}")
            conn.commit()
        point("create:signed")
        # The marker first: a crash before the rename leaves a marker without a file (ignored).
        self._mark(name, marker)
        staging.replace(self._path(name))

    def create_empty(self, name: str, marker: Marker) -> None:
        staging = self._path(staging_name(name, marker.run))
        point("create:before")
        self._connect(staging).close()
        point("create:created")
        self._place(staging, name, marker)

    def clone(self, template: str, name: str, marker: Marker) -> None:
        source = self._path(template)
        if not source.exists():
            raise DbfleetError(
                f"dbfleet: template {source} disappeared before {name} was copied from it "
                "(another run rebuilt the template); run again"
            )
        staging = self._path(staging_name(name, marker.run))
        point("create:before")
        # The backup API copies a consistent snapshot, WAL content included.
        with (
            contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            contextlib.closing(self._connect(staging)) as dst,
        ):
            src.backup(dst)
        point("create:created")
        self._place(staging, name, marker)

    def finish_template(self, building: str, template: str, marker: Marker) -> None:
        path = self._path(building)
        with contextlib.closing(self._connect(path)) as conn:
            # Fold any WAL back in, so the template is one self-contained file.
            conn.execute("PRAGMA journal_mode=DELETE")
        path.chmod(0o444)
        # The file keeps the build's sign, so until the rename both markers match it.
        self._mark(template, replace(marker, sign=f"{self._sign_of(building) or 0:08x}"))
        path.replace(self._path(template))
        point("template:renamed")
        self._marker_path(building).unlink(missing_ok=True)

    def list_staging(self) -> list[str]:
        return sorted(
            path.name[: -len(self._suffix)] if self._suffix else path.name
            for folder in (self._files, self._directory)
            for path in folder.glob(f"{STAGING_PREFIX}*{self._suffix}")
        )

    def list_names(self, prefix: str) -> list[str]:
        names = set()
        pattern = f"{glob.escape(prefix)}*{glob.escape(self._suffix)}"
        for path in (*self._files.glob(pattern), *self._directory.glob(pattern)):
            name = path.name[: len(path.name) - len(self._suffix)]
            # Without a suffix, a database's side files would match the pattern too.
            if path.is_file() and not name.endswith(SIDE_FILES):
                names.add(name)
        return sorted(names)

    def contents(self, name: str) -> Contents:
        path = self._path(name)
        files = (path, *(Path(f"{path}{side}") for side in SIDE_FILES))
        size = sum(file.stat().st_size for file in files if file.is_file())
        try:
            uri = f"{path.as_uri()}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM sqlite_master "
                    "WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                ).fetchone()
        except sqlite3.Error:
            return Contents(None, size)
        return Contents(int(row[0]), size)

    def has_sessions(self, name: str) -> bool:
        # SQLite keeps no list of connections; a live owner is judged by its marker alone.
        return False

    def drop(self, name: str) -> None:
        path = self._path(name)
        for file in (path, *(Path(f"{path}{side}") for side in SIDE_FILES)):
            file.unlink(missing_ok=True)
        point("drop:dropped")
        self._marker_path(name).unlink(missing_ok=True)

    def list_managed(self) -> list[ManagedDatabase]:
        managed = []
        folder = self._state / "markers"
        for marker_file in sorted(folder.glob(f"*{self._suffix}.json")):
            name = marker_file.name[: -len(f"{self._suffix}.json")]
            marker = self.marker(name)
            if marker is not None:
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
        if key in self._held:
            return
        handle = self._lock_path(f"in-use:{key}").open("ab")
        fcntl.flock(handle, fcntl.LOCK_SH)
        self._held[key] = handle

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
