"""The ownership marker every database dbfleet creates carries, and the run that owns it.

"Drop only what we marked" is the project's central safety rule: a database without a readable
marker is never dropped, whatever its name. The marker never holds a password.

A marker only counts where it cannot outlive its database (invariant I1 in the README): on
PostgreSQL it is the database's own comment; MySQL/MariaDB and SQLite keep it beside the database
(a registry row, a file), so there it also names a ``sign``, a random token written *inside* the
database, and the two must agree. A database dropped and re-created by hand under the same name
has no sign, so it is the user's again.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

#: Bumped whenever what a template contains or how it is named changes, so old templates
#: are never reused by a newer dbfleet (it also enters every fingerprint). 2: signs inside.
TEMPLATE_FORMAT = 2

Kind = Literal["template", "building", "worker"]
_KINDS: tuple[str, ...] = ("template", "building", "worker")

#: Names starting with this are reserved to dbfleet: a database is created under such a name,
#: unique to its run, then signed and renamed into place, so a crash between create and sign
#: leaves only a name that says whose it was. Such a name is collected once its run is gone.
STAGING_PREFIX = "dbfleet_stg_"


def staging_name(name: str, run_id: str) -> str:
    """The reserved name ``name`` is created under by run ``run_id`` (33 characters)."""
    return f"{STAGING_PREFIX}{run_id}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def staging_run(name: str) -> str | None:
    """The run that created staging database ``name``; None for any other name."""
    if not name.startswith(STAGING_PREFIX):
        return None
    run_id, _, digest = name[len(STAGING_PREFIX) :].partition("_")
    return run_id if run_id and len(digest) == 8 else None


def run_lock(run_id: str) -> str:
    """Held shared by every process of a run while it may create databases: a server-side
    proof of life that, unlike a pid, also holds across hosts and containers."""
    return f"dbfleet:run:{run_id}"


def new_sign() -> str:
    """A random 31-bit token as 8 hex digits: SQLite keeps it as its ``application_id``."""
    return f"{secrets.randbelow(0x7FFFFFFE) + 1:08x}"


def process_space() -> str:
    """Where a pid means something: this boot and pid namespace.

    Containers sharing the host's network (and so its hostname) have their own pid namespace;
    without this, a live run in one container looks dead from another and gets dropped.
    """
    parts = []
    for path in ("/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"):
        try:
            parts.append(
                os.readlink(path) if path.endswith("/pid") else Path(path).read_text().strip()
            )
        except OSError:
            parts.append("")
    return "/".join(parts)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has exited and only waits to be reaped: the controller drops a worker's
    database once the worker has exited, and a worker its parent has not reaped yet still
    answers ``kill(pid, 0)``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


@dataclass(frozen=True)
class Run:
    """Who is running: the identity written into markers and checked before any drop."""

    id: str
    host: str
    pid: int
    space: str = ""

    @classmethod
    def current(cls, run_id: str | None = None) -> Run:
        return cls(
            id=run_id or uuid.uuid4().hex[:12],
            host=socket.gethostname(),
            pid=os.getpid(),
            space=process_space(),
        )


@dataclass(frozen=True)
class Marker:
    """What dbfleet writes on a database it created (a PostgreSQL ``COMMENT ON DATABASE``)."""

    kind: Kind
    base: str
    fingerprint: str
    run: str
    host: str
    pid: int
    created: float
    space: str = ""
    #: The token written inside the database where the marker lives beside it; "" on
    #: PostgreSQL (the comment is inside) and in markers of dbfleet before 0.2.
    sign: str = ""

    @classmethod
    def new(cls, kind: Kind, base: str, fingerprint: str, run: Run) -> Marker:
        created = round(time.time(), 3)
        return cls(
            kind, base, fingerprint, run.id, run.host, run.pid, created, run.space, new_sign()
        )

    def to_json(self) -> str:
        return json.dumps({"dbfleet": TEMPLATE_FORMAT, **asdict(self)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Marker | None:
        """The marker in ``text``; None for anything not ours (a user's comment, garbage)."""
        if not text:
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or "dbfleet" not in data or data["kind"] not in _KINDS:
                return None
            return cls(
                kind=data["kind"],
                base=str(data["base"]),
                fingerprint=str(data["fingerprint"]),
                run=str(data["run"]),
                host=str(data["host"]),
                pid=int(data["pid"]),
                created=float(data["created"]),
                space=str(data.get("space", "")),
                sign=str(data.get("sign", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def owner_alive(self) -> bool | None:
        """Whether the owning process still runs: None when that cannot be known here
        (another host, or another container's pid namespace on this one)."""
        if self.host != socket.gethostname() or self.space != process_space():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not _zombie(self.pid)

    def owned_by(self, run: Run) -> bool:
        return self.run == run.id

    def age(self, now: float | None = None) -> float:
        return (now if now is not None else time.time()) - self.created
