"""Connections that miss a ``fresh`` test's clone: the app's own engine, built at import.

An application that runs ``create_engine(os.environ["DATABASE_URL"])`` when it is imported
builds its engine on the worker's database, before any test has a clone; under ``fresh`` it keeps
writing there while the clones the pool made go unused, and the run looked isolated although it
was not (issue 23: 46 clones made, none connected to, "42 fresh" in the summary). Every SQLAlchemy
engine announces its connections through ``engine_connect``, so one class-wide listener sees them
all; a connection to the worker's database, or to another test's clone, during a fresh test
marks that test as not isolated. Connections to unrelated databases are the app's business.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import URL, make_url

from dbfleet.backends import names_a_file
from dbfleet.urls import redacted

#: The suffix the pool adds to the worker's database name for each clone (``pool.py``).
CLONE_MARK = "_f"


def _database(url: URL) -> str:
    """The database a URL names; a SQLite file by its real path without the extension, so a
    clone (``app_gw0_f1.sqlite3``) shows as the worker's name plus its suffix."""
    name = url.database or ""
    if names_a_file(url) and name and name != ":memory:":
        return os.path.splitext(os.path.realpath(name))[0]
    return name


@dataclass
class StrayConnections:
    """Watches every SQLAlchemy engine of this process while fresh tests run.

    ``begin`` and ``end`` bracket one fresh test; ``tests`` counts the tests that connected
    elsewhere and ``targets`` holds where (redacted), for the one warning of the run.
    """

    worker_url: str
    tests: int = 0
    targets: list[str] = field(default_factory=list)
    _clone: str = ""
    _hit: bool = False
    _listening: bool = False
    #: dbfleet's own engines under fresh, which follow the running test's clone whatever
    #: their URL says (``engines.follow_database``).
    _followers: list[Any] = field(default_factory=list)

    def start(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        if not self._listening:
            event.listen(Engine, "engine_connect", self._connected)
            self._listening = True

    def stop(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        if self._listening:
            event.remove(Engine, "engine_connect", self._connected)
            self._listening = False

    def follows(self, engine: Any) -> None:
        self._followers.append(engine)

    def begin(self, clone_url: str) -> None:
        self._clone = _database(make_url(clone_url))
        self._hit = False

    def end(self) -> None:
        if self._hit:
            self.tests += 1
        self._clone = ""
        self._hit = False

    def _connected(self, connection: Any) -> None:
        engine = connection.engine
        if not self._clone or any(engine is own for own in self._followers):
            return
        url = engine.url
        database = _database(url)
        worker = _database(make_url(self.worker_url))
        missed = database == worker or (
            database.startswith(worker + CLONE_MARK) and database != self._clone
        )
        if missed:
            self._hit = True
            shown = redacted(url)
            if shown not in self.targets:
                self.targets.append(shown)


def warning_line(tests: int, targets: list[str]) -> str | None:
    """The run's one line about fresh isolation that was not in effect, or None."""
    if not tests:
        return None
    shown = sorted(targets)
    where = shown[0] if shown else "another database"
    if len(shown) > 1:
        where += f" (and {len(shown) - 1} more, one per worker)"
    return (
        f"warning: fresh isolation was not in effect for {tests} test(s): an engine of the "
        f"app's own connects to {where}, not the test's clone; build it from DATABASE_URL "
        "during the test, or bind the app's sessions to dbfleet_connection (async: "
        "dbfleet_async_engine) in an autouse fixture (README: Rollback in a real app)"
    )
