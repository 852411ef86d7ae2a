"""A command mode must not leave databases that stop the next run of dbfleet's modes.

A hand-written baseline (``--baseline "pytest -n 2 -p no:dbfleet"``) often never drops its
``app_test_gw0``; dbfleet refuses such a database, so the bench's second series would fail in
its dbfleet modes. After each command, the unmarked databases that appeared on the project's
names during it are dropped: those, and only those; what was there before stays untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from dbfleet.adopt import in_the_way, take_over
from dbfleet.backends import names_a_file, open_backend
from dbfleet.config import resolve
from dbfleet.errors import DbfleetError
from dbfleet.inifile import find_pytest_config
from dbfleet.urls import parse_url


@contextmanager
def cleared_after(path: Path, environ: Mapping[str, str]) -> Iterator[None]:
    """Run the block, then drop what it left in the way of dbfleet's runs of the project at
    ``path`` (with ``environ``, the dbfleet modes' environment). A project without a server
    URL (embedded, or none) has nothing to clear."""
    found = find_pytest_config(path)
    rootdir, ini = (found[0].parent, found[1]) if found else (path, {})
    settings = resolve({}, environ, ini, rootdir)
    if settings.url is None:
        yield
        return
    url = parse_url(settings.url)
    file = url.database or ""
    if names_a_file(url) and file and not file.startswith((":memory:", "file:")):
        # The bench runs every pytest in ``path``: a relative file is relative to it.
        url = url.set(database=str(path / Path(file).expanduser()))
    before = _names(url, settings.namespace)
    try:
        yield
    finally:
        # Also when the command failed: what it left stops the next run all the same.
        if before is not None:
            _drop_new(url, settings.namespace, before)


def _drop_new(url: URL, namespace: str | None, before: set[str]) -> None:
    backend = open_backend(url)
    try:
        appeared = [item.name for item in in_the_way(backend, namespace)]
        take_over(backend, [name for name in appeared if name not in before], namespace)
    finally:
        backend.close()


def _names(url: URL, namespace: str | None) -> set[str] | None:
    """The unmarked names already in the way; None when the server cannot be read (the
    dbfleet modes then say why, and nothing is dropped)."""
    try:
        backend = open_backend(url)
    except DbfleetError:
        return None
    try:
        return {item.name for item in in_the_way(backend, namespace)}
    finally:
        backend.close()
