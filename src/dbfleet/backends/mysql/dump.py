"""MySQL/MariaDB templates as ``mysqldump`` (or ``mariadb-dump``) SQL, loaded with the client.

The dump holds what a clone copies (tables with their rows and counters, views, triggers,
routines) and leaves out dbfleet's sign routine: a sign belongs to one schema dbfleet created,
and the schema restored into carries its own. The password reaches the programs as ``MYSQL_PWD``
only.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy.engine import URL

from dbfleet.backends.mysql.server import SIGN_ROUTINE
from dbfleet.backends.tools import Tool, first
from dbfleet.errors import DbfleetError
from dbfleet.marker import Marker
from dbfleet.urls import scrub

DUMPERS = ("mariadb-dump", "mysqldump")
CLIENTS = ("mariadb", "mysql")


class MysqlDumper:
    def __init__(self, url: URL) -> None:
        self._url = url

    def _connection(self) -> tuple[list[str], dict[str, str]]:
        url = self._url
        args = [f"--host={url.host or 'localhost'}", f"--port={url.port or 3306}"]
        args.append(f"--user={url.username or 'root'}")
        socket = url.query.get("unix_socket")
        if socket:
            args.append(f"--socket={socket if isinstance(socket, str) else socket[-1]}")
        environ = dict(os.environ)
        environ.pop("MYSQL_PWD", None)
        if url.password:
            environ["MYSQL_PWD"] = str(url.password)
        return args, environ

    def _failed(self, tool: Tool, doing: str, stderr: str) -> DbfleetError:
        lines = [line for line in scrub(stderr, self._url).splitlines() if line.strip()]
        said = lines[-1].strip() if lines else f"{tool.name} ended with an error"
        return DbfleetError(f"dbfleet: {tool.name} could not {doing}: {said}")

    def tools(self) -> str:
        dump, client = first(DUMPERS), first(CLIENTS)
        if dump is None or client is None:
            return "none: " + " and ".join(
                f"no {' or '.join(names)} found"
                for names, tool in ((DUMPERS, dump), (CLIENTS, client))
                if tool is None
            )
        return f"{dump.path} and {client.path}"

    def dump(self, name: str, path: Path) -> str:
        tool = first(DUMPERS)
        if tool is None:
            raise DbfleetError(
                "dbfleet: no mysqldump or mariadb-dump found to save the template; install "
                "the MySQL/MariaDB client programs"
            )
        args, environ = self._connection()
        command = [str(tool.path), *args, "--single-transaction", "--routines", "--triggers"]
        command += ["--skip-comments", "--skip-dump-date", "--no-create-db", name]
        # Errors go to a file, not a pipe: a full stderr pipe nobody reads would stall the dump.
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=environ)
            assert process.stdout is not None
            with path.open("wb") as out:
                for line in _without_sign(process.stdout):
                    out.write(line)
            if process.wait() != 0:
                errors.seek(0)
                said = errors.read().decode(errors="replace")
                raise self._failed(tool, f"save template {name}", said)
        return "mysqldump"

    def unrestorable(self, written_by: str) -> str | None:
        if written_by != "mysqldump":
            return f"written by {written_by!r}, not mysqldump"
        if first(CLIENTS) is None:
            return "needs the mysql (or mariadb) client, which is not installed"
        return None

    def restore(self, path: Path, name: str, marker: Marker, written_by: str) -> None:
        tool = first(CLIENTS)
        if tool is None:
            raise DbfleetError(f"dbfleet: cannot restore {path}: no mysql or mariadb client found")
        args, environ = self._connection()
        with path.open("rb") as dump:
            done = subprocess.run(
                [str(tool.path), *args, f"--database={name}"],
                stdin=dump,
                capture_output=True,
                env=environ,
                check=False,
            )
        if done.returncode != 0:
            stderr = done.stderr.decode(errors="replace")
            raise self._failed(tool, f"restore the cached template into {name}", stderr)


def _without_sign(lines: IO[bytes]) -> Iterator[bytes]:
    """The dump's lines without the sign routine's DROP and CREATE ... ``;;`` block."""
    sign = f"`{SIGN_ROUTINE}`".encode()
    skipping = False
    for line in lines:
        if skipping:
            skipping = line.strip() != b";;"
            continue
        if sign in line and b"DROP PROCEDURE" in line:
            continue
        if sign in line and b"PROCEDURE" in line and b"CREATE" in line:
            skipping = True
            continue
        yield line
