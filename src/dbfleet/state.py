"""What one pytest process provisioned, on ``config.stash``, and what the pytest glue shares.

The isolation plugin, the collectors and the fixtures read the worker's database, the template,
the run and the settings from here (``fleet_state``, ``fleet_settings``), so none of them imports
the pytest glue in ``plugin.py``. ``usage_errors`` is the one place a ``DbfleetError`` becomes
pytest's one-line usage error.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy.engine import URL

from dbfleet.backends import Backend
from dbfleet.config import Settings
from dbfleet.errors import DbfleetError, Interrupted
from dbfleet.fleet import FleetDatabase, Reservation, Template
from dbfleet.marker import Run

Role = Literal["serial", "controller", "worker"]


@dataclass
class FleetState:
    """Everything this process provisioned, kept on ``config.stash`` until unconfigure."""

    settings: Settings
    role: Role
    run: Run
    base_url: URL
    template: Template | None
    database: FleetDatabase | None = None
    saved_environ: dict[str, str | None] = field(default_factory=dict)
    embedded: Any = None
    backend: Backend | None = None
    worker_seconds: list[float] = field(default_factory=list)
    worker_databases: list[str] = field(default_factory=list)
    #: What this process dropped at the end, and how long the drop took (seconds).
    dropped: list[str] = field(default_factory=list)
    #: When this process began the run (``time.time()``): the run report's ``started``.
    started: float = field(default_factory=time.time)
    drop_seconds: float | None = None
    reservation: Reservation = field(default_factory=lambda: Reservation(None, ()))


STATE = pytest.StashKey[FleetState]()

#: What a dbfleet fixture says when this process has no database: the one sentence, both plugins.
INACTIVE = (
    "dbfleet is not active: set DATABASE_URL, DBFLEET_URL, --dbfleet-url or dbfleet_url (ini), "
    "or pass --dbfleet-embedded"
)

#: The settings resolved at start-up, also when dbfleet is idle (no URL configured).
SETTINGS = pytest.StashKey[Settings]()


def fleet_state(config: pytest.Config) -> FleetState | None:
    """This process's provisioning, or None when dbfleet is idle (no URL configured)."""
    return config.stash.get(STATE, None)


def fleet_settings(config: pytest.Config) -> Settings | None:
    """The run's settings; None only where pytest skipped start-up (``--help``, ``--version``)."""
    return config.stash.get(SETTINGS, None)


def project_root(config: pytest.Config) -> Path:
    """Where relative settings are resolved: the ini file's folder, else pytest's rootdir."""
    return config.inipath.parent if config.inipath else config.rootpath


def database_seconds(state: FleetState) -> list[float]:
    """How long each database took to provision: the workers' in a controller, else its own."""
    return state.worker_seconds or ([state.database.seconds] if state.database else [])


@contextmanager
def usage_errors(*, in_session: bool = False) -> Iterator[None]:
    """The one place a ``DbfleetError`` becomes what pytest shows as one line, no traceback.

    A Ctrl-C (``Interrupted``) exits as pytest's own interruptions do. Before the session
    pytest catches nothing but usage errors, so the line is printed here and the process
    exits; inside it, ``pytest.exit`` is what pytest reports without a traceback.
    """
    try:
        yield
    except Interrupted as error:
        if in_session:
            pytest.exit(str(error), returncode=pytest.ExitCode.INTERRUPTED)
        sys.stderr.write(f"{error}\n")
        raise SystemExit(pytest.ExitCode.INTERRUPTED) from None
    except DbfleetError as error:
        raise pytest.UsageError(str(error)) from None
