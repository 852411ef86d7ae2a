"""One exception family whose message is the sentence the user reads.

The plugin turns these into ``pytest.UsageError`` and the command into one line and exit code 2,
so a message must name the problem and the fix, and must never contain a password.
"""

from __future__ import annotations


class DbfleetError(Exception):
    """Anything dbfleet refuses or cannot do; ``str(error)`` is shown to the user as is."""


class ConfigError(DbfleetError):
    """The settings are wrong: a malformed URL, an unknown scheme, a bad ``dbfleet_migrate``."""


class ConnectError(DbfleetError):
    """The server cannot be reached or refuses the credentials."""


class MigrationError(DbfleetError):
    """Building the template's schema failed; the half-built database has already been dropped."""


class Interrupted(DbfleetError):
    """Ctrl-C while dbfleet was building or cloning; whatever was half-made is already dropped.

    Not a usage error: the plugin prints the sentence and exits as pytest does when
    interrupted, without the traceback a ``KeyboardInterrupt`` raised at start-up would print.
    """


class OwnershipError(DbfleetError):
    """A database dbfleet needs exists but is not dbfleet's to drop, or belongs to a live run."""


class HeldByLiveRun(OwnershipError):
    """A name this run needs belongs to a run that is still going: a reason to take a namespace."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


class Unmarked(OwnershipError):
    """A database dbfleet needs exists and carries no marker: someone else's, never touched."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name
