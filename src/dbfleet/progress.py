"""Progress of long work (a template build) while pytest has not started printing yet.

A cold build of a few hundred migrations takes half a minute before pytest shows its header:
silence that long reads as a hang. A build longer than a second shows where it is: on a
terminal one live line (``migration 12/272 (0012_price), 5s``), rewritten in place and cleared
when done; elsewhere (CI logs) a plain line when a step is done, at most one every few seconds,
one every ``HEARTBEAT`` seconds while a step runs long, and the state it ended in.

The builder runs in a child process; it announces each finished step with a ``STEP`` line on
its output, which the parent takes out of the output it keeps (:func:`step_of`). Where the
lines go is the caller's business: pytest's plugin gives a sink that writes past its output
capture, and nothing is shown where no sink was set.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: A line the child prints after each step: ``STEP`` + ``{"done": k, "total": n, "name": s}``.
STEP = "DBFLEET-STEP "

#: Nothing is shown for work shorter than this (seconds).
QUIET = 1.0
#: In a log, the least time between two lines, and the longest silence.
LOG_EVERY = 2.0
HEARTBEAT = 10.0

#: Writes one piece of progress: the text, and whether the destination is a terminal.
Sink = Callable[[str], None]


class _Where(threading.local):
    """Per thread: a build in the background shows its progress where its starter said, while
    the main thread's own setting ends with the start (``set_sink(None, …)``)."""

    sink: Sink | None = None
    tty: bool = False


_WHERE = _Where()
_CURRENT: list[Progress] = []


def set_sink(sink: Sink | None, tty: bool) -> None:
    """Where this thread's progress goes from now on (None: nowhere)."""
    _WHERE.sink, _WHERE.tty = sink, tty


def sink() -> tuple[Sink | None, bool]:
    """Where this thread's progress goes, to hand to a thread it starts."""
    return _WHERE.sink, _WHERE.tty


def announce(done: int, total: int, name: str) -> None:
    """In the builder's child process: one step of ``total`` is done."""
    payload = json.dumps({"done": done, "total": total, "name": name})
    print(STEP + payload, file=sys.stderr, flush=True)


def step_of(line: str) -> tuple[int, int, str] | None:
    """The step a child's output line announces, or None for an ordinary line."""
    if not line.startswith(STEP):
        return None
    try:
        data = json.loads(line[len(STEP) :])
        return int(data["done"]), int(data["total"]), str(data["name"])
    except (ValueError, KeyError, TypeError):
        return None


class Progress:
    """One piece of long work and what has been shown of it."""

    def __init__(
        self, label: str, sink: Sink, tty: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.label = label
        self._sink = sink
        self._tty = tty
        self._clock = clock
        self._started = clock()
        self._shown_at: float | None = None
        self._live = False
        self._done = self._total = 0
        self._name = ""
        self._changed = False

    def update(self, done: int, total: int, name: str) -> None:
        self._done, self._total, self._name, self._changed = done, total, name, True
        self.tick()

    def text(self) -> str:
        elapsed = f"{self._clock() - self._started:.0f}s"
        if not self._total:
            return f"dbfleet: {self.label}: {elapsed}"
        name = f" ({self._name})" if self._name else ""
        return f"dbfleet: {self.label}: {self._done}/{self._total} done{name}, {elapsed}"

    def tick(self) -> None:
        """Show what is due: called whenever the work makes progress, and at least twice a
        second while it runs."""
        now = self._clock()
        if now - self._started < QUIET:
            return
        if self._tty:
            self._sink("\r" + self.text() + "\x1b[K")
            self._live = True
            return
        since = None if self._shown_at is None else now - self._shown_at
        due = since is None or (self._changed and since >= LOG_EVERY) or since >= HEARTBEAT
        if due:
            self._sink(self.text() + "\n")
            self._shown_at, self._changed = now, False

    def finish(self) -> None:
        """Clear the live line; in a log that showed the work, end with where it ended."""
        if self._live:
            self._sink("\r\x1b[K")
            self._live = False
        elif self._shown_at is not None and self._changed:
            self._sink(self.text() + "\n")
            self._changed = False


def current() -> Progress | None:
    """The work in progress in this process, if any is being shown."""
    return _CURRENT[-1] if _CURRENT else None


@contextmanager
def shown(label: str) -> Iterator[Progress | None]:
    """Show the progress of the work inside, where a sink was set."""
    if _WHERE.sink is None:
        yield None
        return
    progress = Progress(label, _WHERE.sink, _WHERE.tty)
    _CURRENT.append(progress)
    try:
        yield progress
    finally:
        _CURRENT.remove(progress)
        progress.finish()
