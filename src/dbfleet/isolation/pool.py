"""The ``fresh`` pool: databases cloned ahead of the tests that need them, one per test.

A clone costs tens of milliseconds (bench/clone_strategy.py: ~35 ms on PostgreSQL 15), more than
most tests, so a per-worker background thread keeps ``size`` clones ready and the test only takes
one from a queue. Used databases go to a second thread that drops them, so a drop (which waits
for a checkpoint on PostgreSQL, 60 ms to seconds on a busy server) neither sits on a test's
critical path nor holds up the next clone.

Every database goes through ``dbfleet.fleet.provision`` and ``release``: created under the
worker's database name plus ``_f<n>``, marked as a ``worker`` database of this run and of this
process, so if the worker dies, the controller's end-of-run sweep or ``dbfleet gc`` drops them.
A name is produced once and taken from the queue once, so no database reaches two tests.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dbfleet.backends.base import Backend
from dbfleet.errors import DbfleetError
from dbfleet.fleet import FleetDatabase, Template, provision, release
from dbfleet.marker import Run
from dbfleet.urls import SecretURL, connectable, redacted

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

#: How often a waiting test checks that the pool's thread is still alive.
POLL_SECONDS = 0.5

#: Connections dropping the databases left at the end of the session, at once.
CLOSING_DROPPERS = 4


@dataclass
class PoolStats:
    handed_out: int = 0
    cloned: int = 0
    dropped: int = 0
    waits: int = 0
    waited_seconds: float = 0.0
    clone_seconds: float = 0.0


class FreshPool:
    """Keeps up to ``size`` cloned databases ready for a worker's ``fresh`` tests.

    ``wanted`` bounds how many are ever cloned: the number of fresh tests collected, so a short
    session does not clone databases nobody will use. ``url_for`` gives the URL tests get for a
    database name, when the pool provisions through a URL tests must not see.
    """

    def __init__(
        self,
        open_backend: Callable[[], Backend],
        *,
        template: Template,
        run: Run,
        worker_id: str,
        size: int,
        wanted: int,
        url_for: Callable[[str], URL] | None = None,
    ) -> None:
        self._open_backend = open_backend
        self._url_for = url_for
        self._template = template
        self._run = run
        self._worker_id = worker_id
        self._size = max(size, 1)
        self._wanted = wanted
        self._ready: deque[FleetDatabase] = deque()
        self._used: deque[str] = deque()
        self._made = 0
        self._cloning = False
        self._closing = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._cloner = threading.Thread(target=self._clone, name="dbfleet-fresh-clone", daemon=True)
        self._dropper = threading.Thread(
            target=self._drop_used, name="dbfleet-fresh-drop", daemon=True
        )
        self.stats = PoolStats()

    def start(self) -> None:
        self._cloner.start()
        self._dropper.start()

    def acquire(self) -> FleetDatabase:
        """The next ready database, waiting for the clone in progress when none is."""
        started = time.perf_counter()
        waited = False
        with self._cond:
            while not self._ready:
                if isinstance(self._error, DbfleetError):
                    raise DbfleetError(str(self._error))
                if self._error is not None:
                    first = str(self._error).strip().splitlines()[:1] or [""]
                    raise DbfleetError(
                        f"dbfleet: the fresh pool stopped: {type(self._error).__name__} {first[0]}"
                    )
                if self._closing or not self._cloner.is_alive():
                    raise DbfleetError("dbfleet: the fresh pool is closed")
                if self._made >= self._wanted and not self._cloning:
                    # More fresh tests than collected (a test re-run by a plugin): one more.
                    self._wanted += 1
                    self._cond.notify_all()
                waited = True
                self._cond.wait(POLL_SECONDS)
            database = self._ready.popleft()
            self.stats.handed_out += 1
            if waited:
                self.stats.waits += 1
                self.stats.waited_seconds += time.perf_counter() - started
            self._cond.notify_all()
        return database

    def release(self, database: FleetDatabase) -> None:
        """Hand a used database back, to be dropped by the pool's dropping thread."""
        with self._cond:
            self._used.append(database.name)
            self._cond.notify_all()

    def close(self) -> None:
        """Stop cloning and drop every database this pool made, the ready ones included.

        The drops left run on a few connections at once: each DROP DATABASE waits for a
        checkpoint, and concurrent requests share one.
        """
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for thread in (self._cloner, self._dropper):
            if thread.is_alive():
                thread.join()
        with self._cond:
            self._used.extend(database.name for database in self._ready)
            self._ready.clear()
            helpers = [
                threading.Thread(target=self._drop_used, name="dbfleet-fresh-drop", daemon=True)
                for _ in range(min(CLOSING_DROPPERS, len(self._used)))
            ]
        for thread in helpers:
            thread.start()
        for thread in helpers:
            thread.join()

    def _next_clone(self) -> str | None:
        """Under the lock: the worker id of the next clone, or None when closing."""
        while not self._closing:
            if len(self._ready) < self._size and self._made < self._wanted:
                self._made += 1
                self._cloning = True
                return f"{self._worker_id}_f{self._made}"
            self._cond.wait()
        return None

    def _fail(self, error: BaseException) -> None:
        # Carried to the test waiting in acquire(), which reports it; a thread has no one else.
        with self._cond:
            self._error = self._error or error
            self._cond.notify_all()

    def _clone(self) -> None:
        try:
            backend = self._open_backend()
        except BaseException as error:
            self._fail(error)
            return
        try:
            while True:
                with self._cond:
                    worker_id = self._next_clone()
                if worker_id is None:
                    return
                started = time.perf_counter()
                database = provision(
                    backend, worker_id=worker_id, template=self._template, run=self._run
                )
                if self._url_for is not None:
                    url = self._url_for(database.name)
                    database = replace(
                        database, url=SecretURL(connectable(url)), redacted_url=redacted(url)
                    )
                with self._cond:
                    self._ready.append(database)
                    self._cloning = False
                    self.stats.cloned += 1
                    self.stats.clone_seconds += time.perf_counter() - started
                    self._cond.notify_all()
        except BaseException as error:
            self._fail(error)
        finally:
            with self._cond:
                self._cloning = False
            backend.close()

    def _drop_used(self) -> None:
        """Drop used databases as they come back; once closing, drain what is left and stop."""
        try:
            backend = self._open_backend()
        except BaseException as error:
            self._fail(error)
            return
        try:
            while True:
                with self._cond:
                    while not self._used and not self._closing:
                        self._cond.wait()
                    if not self._used:
                        return
                    name = self._used.popleft()
                dropped = release(backend, name, self._run)
                with self._cond:
                    self.stats.dropped += int(dropped)
        except BaseException as error:
            self._fail(error)
        finally:
            backend.close()
