"""SQLite templates as plain copies of the template file (SQLite's backup API, as clones use)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from dbfleet.errors import DbfleetError
from dbfleet.marker import Marker


class SqliteDumper:
    def __init__(self, path_of: Callable[[str], Path]) -> None:
        #: Where the backend keeps database ``name`` (``.dbfleet/sqlite/`` or beside the base).
        self._path_of = path_of

    def tools(self) -> str:
        return f"a file copy (sqlite3 {sqlite3.sqlite_version})"

    def dump(self, name: str, path: Path) -> str:
        source = self._path_of(name)
        try:
            with (
                contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
                contextlib.closing(sqlite3.connect(path)) as dst,
            ):
                src.backup(dst)
                # The copy carries no sign: a sign belongs to one file dbfleet placed.
                dst.execute("PRAGMA application_id = 0")
                dst.commit()
        except sqlite3.Error as error:
            raise DbfleetError(f"dbfleet: cannot save SQLite template {source}: {error}") from None
        return "sqlite3"

    def unrestorable(self, written_by: str) -> str | None:
        return None if written_by == "sqlite3" else f"written by {written_by!r}, not sqlite3"

    def restore(self, path: Path, name: str, marker: Marker, written_by: str) -> None:
        target = self._path_of(name)
        try:
            with (
                contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as src,
                contextlib.closing(sqlite3.connect(target)) as dst,
            ):
                src.backup(dst)
                # The backup replaced the file's header too: sign it again as the build it is.
                dst.execute(f"PRAGMA application_id = {int(marker.sign, 16)}")
                dst.commit()
        except sqlite3.Error as error:
            raise DbfleetError(f"dbfleet: cannot restore {path} into {target}: {error}") from None
