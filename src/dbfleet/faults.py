"""Named crash points, so that tests can kill a real process at each step of its work.

A crash-safety claim is only as good as the crash that tested it: reasoning about "what if the
process dies here" missed three windows before this existed. Each step that creates, signs,
clones, renames or drops a database calls ``point(step)``; a test sets ``DBFLEET_KILL_AT`` to a
step and the process that reaches it dies by SIGKILL, with no chance to clean up. The variable is
read at each call and only a test sets it; unset, a point costs one dictionary lookup.

A test can also hold a process at a step (``DBFLEET_PAUSE_AT``) until a file appears, to show
an order of events without measuring time: that the workers collected while the template was
still being built, say.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from dbfleet.background import cancelled

#: ``step`` or ``step,step``: the steps at which a process kills itself.
KILL_AT = "DBFLEET_KILL_AT"

#: ``step=path``: the process reaching ``step`` writes ``path.paused``, waits until the file
#: ``path`` exists (at most ``PAUSE_LIMIT`` seconds, or until its work is cancelled), then writes
#: ``path.resumed`` saying whether it saw the file.
PAUSE_AT = "DBFLEET_PAUSE_AT"
PAUSE_LIMIT = 60.0

#: Every step a test can name, so that a typo in a test fails instead of never firing.
STEPS = (
    "create:before",  # about to create a database
    "create:created",  # created, not yet signed
    "create:signed",  # signed under its staging name, not yet renamed into place
    "clone:copying",  # part of a clone copied (MySQL/MariaDB copies table by table)
    "template:renamed",  # the build renamed to the template's name, not yet marked complete
    "drop:dropped",  # the database dropped, its registry row or marker file not yet removed
    "migrate:running",  # the migration child started
    "restore:started",  # a cached template is being restored into the build, not yet complete
    "restore:done",  # the cached template restored into the build, not yet renamed into place
)

#: Every step a test can hold a process at (``PAUSE_AT``).
PAUSES = ("template:filling",)  # the build created, about to be migrated or restored into


def point(step: str) -> None:
    """Die here, by SIGKILL, when a test asked for this step."""
    wanted = os.environ.get(KILL_AT)
    if wanted and step in wanted.split(","):
        assert step in STEPS, step
        os.kill(os.getpid(), signal.SIGKILL)


def pause(step: str) -> None:
    """Wait here for the file a test names, when it asked to hold this step."""
    wanted = os.environ.get(PAUSE_AT, "")
    at, _, path = wanted.partition("=")
    if at != step or not path:
        return
    assert step in PAUSES, step
    release = Path(path)
    Path(f"{path}.paused").write_text(step)
    deadline = time.monotonic() + PAUSE_LIMIT
    while not release.exists() and not cancelled() and time.monotonic() < deadline:
        time.sleep(0.05)
    Path(f"{path}.resumed").write_text("seen" if release.exists() else "timed out")
