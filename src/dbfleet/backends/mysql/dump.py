"""MySQL/MariaDB templates as ``mysqldump`` (or ``mariadb-dump``) SQL, loaded with the client;
where those programs are missing, as statements dbfleet reads itself through its own connection.

Either dump holds what a clone copies (tables with their rows and counters, views, triggers,
routines) and leaves out dbfleet's sign routine: a sign belongs to one schema dbfleet created,
and the schema restored into carries its own. The password reaches the programs as ``MYSQL_PWD``
only.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import URL

from dbfleet.backends.mysql.driver import mysql_driver
from dbfleet.backends.mysql.server import PROGRAMS, SIGN_ROUTINE, connect_kwargs, quote
from dbfleet.backends.tools import Tool, first
from dbfleet.errors import DbfleetError
from dbfleet.marker import Marker
from dbfleet.urls import scrub

DUMPERS = ("mariadb-dump", "mysqldump")
CLIENTS = ("mariadb", "mysql")

#: ``written_by`` of a dump dbfleet wrote itself: one JSON line per statement.
OWN = "dbfleet-statements"

#: Rows per INSERT in dbfleet's own dump.
ROWS_PER_INSERT = 500


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
            return "dbfleet's own statement dump (no mysqldump and mysql client found)"
        return f"{dump.path} and {client.path}"

    def dump(self, name: str, path: Path) -> str:
        tool = first(DUMPERS)
        if tool is None or first(CLIENTS) is None:
            return self._own_dump(name, path)
        args, environ = self._connection()
        command = [str(tool.path), *args, "--single-transaction", "--routines", "--triggers"]
        command += ["--skip-comments", "--skip-dump-date", "--no-create-db", name]
        # Errors go to a file, not a pipe: a full stderr pipe nobody reads would stall the dump.
        # The pipe is closed and the program waited for on the way out: an unclosed pipe's
        # ResourceWarning would land in the user's first test (an error under -W error).
        with tempfile.TemporaryFile() as errors:
            with subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=errors, env=environ
            ) as process:
                assert process.stdout is not None
                with path.open("wb") as out:
                    for line in _without_sign(process.stdout):
                        out.write(line)
            if process.returncode != 0:
                errors.seek(0)
                said = errors.read().decode(errors="replace")
                raise self._failed(tool, f"save template {name}", said)
        return "mysqldump"

    def unrestorable(self, written_by: str) -> str | None:
        if written_by == OWN:
            return None
        if written_by != "mysqldump":
            return f"written by {written_by!r}, not mysqldump"
        if first(CLIENTS) is None:
            return "needs the mysql (or mariadb) client, which is not installed"
        return None

    def restore(self, path: Path, name: str, marker: Marker, written_by: str) -> None:
        if written_by == OWN:
            self._own_restore(path, name)
            return
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

    def _connect(self, name: str) -> Any:
        driver = mysql_driver(self._url.drivername)
        try:
            return driver.connect({**connect_kwargs(self._url), "database": name})
        except driver.error as error:
            said = scrub(str(error), self._url)
            raise DbfleetError(f"dbfleet: cannot connect to {name}: {said}") from None

    def _own_dump(self, name: str, path: Path) -> str:
        """The statements a clone would run, one JSON line each: ``SHOW CREATE`` of every
        object, rows as INSERTs whose values the server quotes itself (``QUOTE()``)."""
        conn = self._connect(name)
        try:
            with conn.cursor() as cursor, path.open("w", encoding="utf-8") as out:

                def rows(statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
                    cursor.execute(statement, params or None)
                    return list(cursor.fetchall())

                def write(kind: str, statement: str) -> None:
                    out.write(json.dumps({"kind": kind, "sql": statement}) + "\n")

                tables = rows(
                    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                    (name,),
                )
                for (table,) in tables:
                    write("table", str(rows(f"SHOW CREATE TABLE {quote(table)}")[0][1]))
                for (table,) in tables:
                    columns = [
                        str(column)
                        for (column,) in rows(
                            "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
                            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
                            "AND EXTRA NOT LIKE '%%GENERATED%%' ORDER BY ORDINAL_POSITION",
                            (name, table),
                        )
                    ]
                    listed = ", ".join(map(quote, columns))
                    quoted = ", ',', ".join(f"QUOTE({quote(column)})" for column in columns)
                    values = [
                        str(row[0])
                        for row in rows(f"SELECT CONCAT('(', {quoted}, ')') FROM {quote(table)}")
                    ]
                    for start in range(0, len(values), ROWS_PER_INSERT):
                        chunk = ", ".join(values[start : start + ROWS_PER_INSERT])
                        write("rows", f"INSERT INTO {quote(table)} ({listed}) VALUES {chunk}")
                for (view,) in rows(
                    "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s",
                    (name,),
                ):
                    create = str(rows(f"SHOW CREATE VIEW {quote(view)}")[0][1])
                    write("view", create.replace(f"{quote(name)}.", ""))
                for kind, statement in PROGRAMS:
                    for (object_name,) in rows(statement, (name,)):
                        shown = rows(f"SHOW CREATE {kind} {quote(object_name)}")
                        write(kind.lower(), str(shown[0][2]))
        except mysql_driver(self._url.drivername).error as error:
            said = scrub(str(error), self._url)
            raise DbfleetError(f"dbfleet: cannot save template {name}: {said}") from None
        finally:
            conn.close()
        return OWN

    def _own_restore(self, path: Path, name: str) -> None:
        """Run the statements in order; views that select from views not made yet wait for
        another round, as a clone does."""
        try:
            lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            statements = [(str(line["kind"]), str(line["sql"])) for line in lines]
        except (ValueError, KeyError, TypeError):
            raise DbfleetError(f"dbfleet: {path} holds no statements dbfleet wrote") from None
        error_type = mysql_driver(self._url.drivername).error
        conn = self._connect(name)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SET SESSION FOREIGN_KEY_CHECKS = 0")
                pending = []
                for kind, statement in statements:
                    if kind == "view":
                        pending.append(statement)
                    else:
                        cursor.execute(statement)
                while pending:
                    failed = []
                    for statement in pending:
                        try:
                            cursor.execute(statement)
                        except error_type:
                            failed.append(statement)
                    if len(failed) == len(pending):
                        cursor.execute(failed[0])  # raises the server's reason
                    pending = failed
            conn.commit()
        except error_type as error:
            said = scrub(str(error), self._url)
            raise DbfleetError(f"dbfleet: cannot restore {path} into {name}: {said}") from None
        finally:
            conn.close()


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
