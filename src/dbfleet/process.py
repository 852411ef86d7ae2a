"""The process around the tests: the heap frozen once the suite is loaded, and the exit that
skips tearing that heap down again.

A large suite keeps hundreds of thousands of objects alive from collection to the end (the app,
its libraries, the test items). Every garbage collection of the oldest generation walks all of
them, and pytest (8.4+) collects several times at unconfigure to surface unraisable exceptions;
then CPython's finalization frees the import graph object by object. Measured on a 1,715-test
app: 14 s after the last test, in the controller and in every xdist worker.

- **Heap** (``dbfleet_gc_freeze``): once the conftests are imported and once collection is done,
  collect and ``gc.freeze()``. Frozen objects are never scanned again, so the later passes (the
  tests' and pytest's final ones) walk only what the tests made. The price: an object alive at
  that moment is never collected, so a test asserting that such an object dies needs it off.
- **Exit** (``dbfleet_fast_exit``): once pytest has finished (unconfigure, its final unraisable
  pass and every cleanup done) and every ``atexit`` handler registered after dbfleet loaded has
  run, the process leaves with ``os._exit(status)`` instead of finalizing the interpreter. Only
  memory is given back that way; files are flushed and closed by their owners before. It stands
  down (Python finalizes as usual) when an exception nobody caught reaches the top, when fd 1 is
  no longer what it was (pytest's broken-pipe exit), when a coverage measurement is still
  running, and wherever pytest is not the process's main program (``main_program``).

This module is the one place that decides both; ``plugin.py`` calls ``install`` where dbfleet is
active and wraps ``pytest_cmdline_main`` around ``outermost`` and ``session_over``.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from types import TracebackType

import pytest

#: The name the heap freezer is registered under.
HEAP = "dbfleet-heap"


def freeze_heap() -> None:
    """Collect what is garbage now, then move every live object out of the collector's sight."""
    gc.collect()
    gc.freeze()


class HeapFreezer:
    """Freezes the heap after the initial conftests (session start) and after collection (an
    xdist controller does not collect: its freeze at session start is its only one)."""

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self) -> None:
        freeze_heap()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self) -> None:
        freeze_heap()


@dataclass(frozen=True)
class _Armed:
    status: int
    pid: int
    #: What fd 1 was when armed: pytest points it at /dev/null after a broken pipe (and then
    #: exits 1, not with the session's status), so a different fd 1 means "leave it to Python".
    stdout: tuple[int, int] | None


class _Exit:
    """Process-wide by nature: ``atexit`` and ``os._exit`` belong to the process, not to a
    config, so this one object (not ``config.stash``) holds whether the exit may be skipped."""

    def __init__(self) -> None:
        self.armed: _Armed | None = None
        self.depth = 0
        self.previous_hook = sys.excepthook

    def arm(self, status: int) -> None:
        self.armed = _Armed(status, os.getpid(), _stdout_identity())
        self.previous_hook = sys.excepthook
        sys.excepthook = self.excepthook

    def disarm(self) -> None:
        self.armed = None

    def excepthook(
        self,
        kind: type[BaseException],
        value: BaseException,
        traceback: TracebackType | None,
    ) -> None:
        """An exception nobody caught after pytest returned (a Ctrl-C at the very end, say):
        Python reports it and picks the exit status itself, so the fast exit stands down."""
        self.disarm()
        self.previous_hook(kind, value, traceback)

    def leave(self) -> None:
        """The ``atexit`` handler: everything registered after dbfleet loaded has run."""
        armed = self.armed
        if armed is None or armed.pid != os.getpid():
            return
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                return  # a stream Python would report on: let it
        if _stdout_identity() != armed.stdout or _coverage_measuring():
            return
        # Registered before dbfleet loaded (pytest imports logging first), so they would run
        # after this handler: run them now. logging's only flushes and closes its handlers;
        # weakref.finalize's (registered at the first finalizer) runs the atexit=True
        # finalizers still pending, such as a TemporaryDirectory's clean-up. Both run once.
        logging.shutdown()
        pending = getattr(weakref.finalize, "_exitfunc", None)
        if callable(pending):
            pending()
        os._exit(armed.status)


def _stdout_identity() -> tuple[int, int] | None:
    try:
        found = os.fstat(1)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _coverage_measuring() -> bool:
    """A coverage measurement still running at exit (one started at interpreter start-up by
    ``COVERAGE_PROCESS_START``) saves its data from its own ``atexit`` handler, registered
    before this one: the process must finalize normally for it to run."""
    coverage = sys.modules.get("coverage")
    return coverage is not None and coverage.Coverage.current() is not None


_EXIT = _Exit()
atexit.register(_EXIT.leave)


def main_program(config: pytest.Config) -> bool:
    """Whether this pytest session is its process's whole life, so that ending the process with
    the session's status is what would happen anyway.

    - an xdist worker: the process is execnet's ``python -c`` bootstrap (``sys.argv == ['-c']``),
      started for this worker alone; its status is that of the ``-c`` program, 0;
    - otherwise: ``sys.argv[0]`` is pytest's (the ``pytest``/``py.test`` script, or
      ``pytest/__main__.py`` under ``python -m pytest`` or ``coverage run -m pytest``), and the
      session's arguments are the command line's, so it was not ``pytest.main([...])`` called by
      another program (or by pytester in-process, which passes its own arguments); and no other
      session is running in the process (a ``pytest.main()`` from inside a test).
    """
    if hasattr(config, "workerinput"):
        return sys.argv[:1] == ["-c"]
    program = PurePath(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if program is None:
        return False
    name = program.name.removesuffix(".exe")
    pytest_script = name in ("pytest", "py.test")
    pytest_module = program.parts[-2:] == ("pytest", "__main__.py")
    if not (pytest_script or pytest_module):
        return False
    return tuple(config.invocation_params.args) == tuple(sys.argv[1:])


#: Set where dbfleet is active and ``dbfleet_fast_exit`` is on.
WANTED = pytest.StashKey[bool]()


@contextmanager
def outermost() -> Iterator[bool]:
    """Whether this ``pytest_cmdline_main`` is the only one running in the process (not a
    ``pytest.main()`` called from inside a test); counted for every session, dbfleet active
    or not, since the nested one may be the only one that asks for the fast exit."""
    _EXIT.depth += 1
    try:
        yield _EXIT.depth == 1
    finally:
        _EXIT.depth -= 1


def session_over(config: pytest.Config, status: object) -> None:
    """Arm the fast exit, once ``pytest_cmdline_main`` has returned: by then the session is
    over, unconfigure has run (with pytest's final unraisable-exception passes) and so has every
    cleanup, and an xdist worker has sent its last report. The status is the session's, as
    pytest's console script passes it to ``sys.exit``; a worker's is its ``-c`` program's, 0."""
    if not config.stash.get(WANTED, False) or not main_program(config):
        return
    _EXIT.arm(0 if hasattr(config, "workerinput") else int(status))  # type: ignore[call-overload]


def install(config: pytest.Config, *, freeze: bool, fast_exit: bool) -> None:
    """Register what the options ask for; called only where dbfleet is active."""
    plugins = config.pluginmanager
    if freeze and plugins.get_plugin(HEAP) is None:
        plugins.register(HeapFreezer(), HEAP)
    config.stash[WANTED] = fast_exit
