"""Telling a run whose tests never used the databases dbfleet made for them.

A hand-written conftest left in place next to dbfleet derives its own name from the URL dbfleet
exported (``app_test_gw0`` + ``_gw0``), creates and migrates that database itself, and the suite
passes in it while dbfleet's clones sit unused: a green run that proves nothing about dbfleet's
isolation. Two things show it, and neither needs the project's cooperation:

- an exported variable that no longer holds what dbfleet put there once the conftests ran;
- the databases the tests' SQLAlchemy engines connected to, none of them this worker's.

Both are reported as one line in the run's ``dbfleet`` section, never as a failure: dbfleet
cannot know that the other database is wrong, only that its own went unused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def database_key(database: str | None) -> str:
    """A name to compare databases by: a SQLite file's stem, else the database name."""
    if not database:
        return ""
    if "/" in database or database.endswith((".db", ".sqlite", ".sqlite3")):
        return Path(database).stem
    return database


def rewritten(
    environ: Mapping[str, str], export: Sequence[str], exported: str
) -> tuple[str, str] | None:
    """The first exported variable that now names another database than dbfleet exported,
    with the database it names; None when every one still holds dbfleet's URL."""
    if not exported:
        return None
    ours = database_key(make_url(exported).database)
    for name in export:
        value = environ.get(name)
        if value is None or value == exported:
            continue
        try:
            database = database_key(make_url(value).database)
        except ArgumentError:  # no URL at all: say only that it changed
            database = ""
        if database != ours:
            return name, database or "another value"
    return None


class ConnectionWatch:
    """The databases SQLAlchemy engines in this process connected to while tests ran.

    One listener on the ``Engine`` class sees every engine the application creates, including
    those built at import time by code dbfleet never sees, async engines' included.
    """

    def __init__(self) -> None:
        self.used: set[str] = set()
        self._listening = False

    def _on_connect(self, connection: Any) -> None:
        self.used.add(database_key(connection.engine.url.database))

    def start(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "engine_connect", self._on_connect)
        self._listening = True

    def stop(self) -> None:
        if not self._listening:
            return
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.remove(Engine, "engine_connect", self._on_connect)
        self._listening = False


def unused(ours: str, used: Iterable[str]) -> list[str]:
    """The databases used instead of ``ours`` (a worker's, or its fresh clones ``ours_fN``);
    empty when the tests used ours or connected nowhere through SQLAlchemy."""
    seen = sorted(name for name in used if name)
    mine = [name for name in seen if name == ours or name.startswith(ours + "_f")]
    return [] if mine or not seen else seen


def warning(ours: Sequence[str], rewrite: tuple[str, str] | None, used: Sequence[str]) -> str:
    """The one line for a run whose tests went around dbfleet's databases."""
    databases = ", ".join(sorted(ours))
    if rewrite is not None:
        variable, database = rewrite
        what = f"{variable} was rewritten after dbfleet exported it (it now names {database})"
    else:
        what = f"the tests connected to {', '.join(used)} instead"
    return (
        f"dbfleet: WARNING: the tests did not use dbfleet's database(s) {databases}: {what}; "
        "a hand-written conftest that derives its own database name is probably still in "
        "place: remove it (README: Coming from a hand-written conftest)"
    )
