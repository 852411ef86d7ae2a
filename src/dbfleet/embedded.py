"""A throwaway PostgreSQL for runs with no server configured, from the ``pgserver`` wheel.

Its data directory lives under ``.dbfleet/`` in the project, so templates built by one run are
reused by the next; the server itself stops when the last process using it exits.
"""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from dbfleet.errors import ConfigError


def start_embedded(rootdir: Path, database: str, drivername: str) -> tuple[URL, Any]:
    """Start (or join) the project's embedded server; returns its URL and the server handle."""
    try:
        with warnings.catch_warnings():
            # pgserver warns about XDG_RUNTIME_DIR at import; users run with filterwarnings=error.
            warnings.simplefilter("ignore")
            import pgserver  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        raise ConfigError(
            "dbfleet: the embedded PostgreSQL needs the pgserver package; "
            "pip install 'pytest-dbfleet[embedded]' or set dbfleet_url to a server"
        ) from None
    datadir = rootdir / ".dbfleet" / "pgdata"
    datadir.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.get_server(datadir, cleanup_mode="stop")  # type: ignore[attr-defined]
            uri = server.get_uri()
    except subprocess.CalledProcessError as error:
        output = str(error.stderr or error.stdout or "").strip().splitlines()
        detail = output[-1] if output else f"exit code {error.returncode}"
        raise ConfigError(
            f"dbfleet: the embedded PostgreSQL in {datadir} did not start ({detail}); "
            f"remove {datadir} to start afresh, or set dbfleet_url to a server"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"dbfleet: the embedded PostgreSQL in {datadir} did not start ({error}); "
            "set dbfleet_url to a server"
        ) from None
    url = make_url(uri).set(drivername=drivername, database=database)
    return url, server
