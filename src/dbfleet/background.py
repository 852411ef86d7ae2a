"""Work a process does in a thread while it goes on with its own (the controller building a
template while xdist starts its workers), and how that work is asked to stop.

A Ctrl-C reaches only the main thread, and a thread cannot be interrupted from outside: the
build checks :func:`cancelled` where it waits anyway (for its migration child, twice a second)
and stops there as a Ctrl-C would stop it, so nothing half-built is left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Background(threading.Thread):
    """Runs ``work`` once; keeps what it raised for whoever joins it, instead of printing it."""

    def __init__(self, work: Callable[[], None], name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._work = work
        self.error: BaseException | None = None
        self.cancel = threading.Event()
        self._finished = threading.Event()

    def run(self) -> None:
        try:
            self._work()
        except BaseException as error:  # handed to the thread that joins, never lost
            self.error = error
        finally:
            self._finished.set()

    def wait(self) -> None:
        """Until the work has ended. Not ``join``: a Ctrl-C that interrupts ``join`` on Python
        3.11 and 3.12 can leave the thread marked stopped while it runs (the tstate lock is
        released on its behalf), so a second ``join`` returns at once and the caller reads no
        error from a build still going. An event's wait has no such state to lose."""
        self._finished.wait()


def cancelled() -> bool:
    """Whether the thread calling this runs work that was asked to stop."""
    thread = threading.current_thread()
    return isinstance(thread, Background) and thread.cancel.is_set()
