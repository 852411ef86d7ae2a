"""Finding, and on request taking over, unmarked databases that sit on names this project's
runs will use: most often what a hand-written conftest left (``app_test``, ``app_test_gw0``…).

dbfleet never drops a database without its marker, so such a leftover stops every run that
needs its name. Naming one per failed run made a project with three leftovers fail three times;
here every name a run may use is scanned at once, and ``dbfleet adopt`` drops exactly those,
once a person (or ``--yes``) has seen what they hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dbfleet.backends.base import Backend, Contents
from dbfleet.urls import SERIAL_WORKER, fit_identifier, worker_database_name

#: The suffixes dbfleet's own names end with: a worker's ``_gwN`` and a template's (or its
#: build's) ``_tpl_``/``_bld_`` and ten hex digits of the fingerprint (``fleet.template_name``).
_WORKER = re.compile(r"_(gw\d+)$")
_TEMPLATE = re.compile(r"(_(?:tpl|bld)_[0-9a-f]{10})$")


@dataclass(frozen=True)
class InTheWay:
    """An unmarked database on one of the project's names, with what it holds."""

    name: str
    contents: Contents


def project_name(name: str, base: str, limit: int, namespace: str | None) -> bool:
    """Whether a run on ``base`` (with ``namespace``, or without one) would create ``name``.

    Derived the way the run derives it, fitting included, so a long base's shortened names are
    recognised and ``app_test_gw0_old`` or ``app_test_suffix`` are not.
    """
    spaces = {None, namespace}
    if any(worker_database_name(base, SERIAL_WORKER, limit, space) == name for space in spaces):
        return True
    worker = _WORKER.search(name)
    if worker is not None and any(
        worker_database_name(base, worker.group(1), limit, space) == name for space in spaces
    ):
        return True
    template = _TEMPLATE.search(name)
    return template is not None and fit_identifier(base, template.group(1), limit) == name


def _prefix(base: str, limit: int, namespace: str | None) -> str:
    """What every project name starts with: the base, or as much of it as fitting keeps."""
    longest = [
        worker_database_name(base, "gw999999", limit, namespace),
        fit_identifier(base, "_tpl_0123456789", limit),
    ]
    prefix = base
    for name in longest:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def in_the_way(backend: Backend, namespace: str | None = None) -> list[InTheWay]:
    """Every unmarked database on a name a run on ``backend``'s base may use; marked ones are
    dbfleet's own (``dbfleet gc`` judges those)."""
    base, limit = backend.base_name, backend.name_limit
    found = []
    for name in backend.list_names(_prefix(base, limit, namespace)):
        if project_name(name, base, limit, namespace) and backend.marker(name) is None:
            found.append(InTheWay(name, backend.contents(name)))
    return found


def refusal(names: list[str], base: str, source: str) -> str:
    """The one line a refused run prints: every name in the way, and the command that clears
    them; ``source`` is the setting the URL came from (``DATABASE_URL``, ``dbfleet_url (ini)``)."""
    several = len(names) > 1
    listed = ", ".join(names)
    what = (
        f"databases {listed} exist but were not"
        if several
        else f"database {listed} exists but was not"
    )
    them, they, their = ("them", "they are", "their") if several else ("it", "it is", "its")
    setting = (source or "dbfleet_url").split(" (")[0]
    command = "dbfleet adopt --url URL" if setting == "--dbfleet-url" else "dbfleet adopt"
    return (
        f"dbfleet: {what} created by dbfleet, so dbfleet will not touch {them}; if "
        f"{they} a hand-written conftest's leftover, `{command}` lists {them} with {their} "
        f"size and drops {them} once you confirm, "
        f"or point {setting} at another database name than {base!r}"
    )


def take_over(backend: Backend, names: list[str], namespace: str | None = None) -> list[str]:
    """Drop each of ``names`` that is still an unmarked project name and that nobody is
    connected to; the others are left alone. Returns the names dropped.

    Each is checked again under the lock a run takes before it creates the name, so nothing a
    run made since the listing is ever dropped.
    """
    base, limit = backend.base_name, backend.name_limit
    dropped = []
    for name in names:
        if not project_name(name, base, limit, namespace):
            continue
        with backend.lock(f"dbfleet:database:{name}"):
            unmarked = backend.exists(name) and backend.marker(name) is None
            if unmarked and not backend.has_sessions(name):
                backend.drop(name)
                dropped.append(name)
    return dropped


def size(contents: Contents) -> str:
    """``12 tables, 8.1 MB``, for a listing a person reads before saying yes."""
    tables = "? tables" if contents.tables is None else f"{contents.tables} table(s)"
    if contents.bytes is None:
        return f"{tables}, size unknown"
    amount = float(contents.bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            break
        amount /= 1024
    shown = f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
    return f"{tables}, {shown}"
