"""A failed or interrupted template build: one line with the real error, the output kept aside.

The one error line names the exception and where the migration was (the Alembic revision),
never the "Background on this error" link or the ``^`` a traceback ends with; the child's whole
output goes to ``.dbfleet/migrate-<base>.log``, password scrubbed. Ctrl-C is one line too, and
what was half-built is dropped before the process exits.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from backends.servers import Server
from dbfleet.backends import open_backend
from dbfleet.marker import STAGING_PREFIX
from support import SECRET, inner_environment, run

INI = """[pytest]
dbfleet_migrate = {spec}
filterwarnings = error
asyncio_default_fixture_loop_scope = function
"""

TESTS = "def test_uses_db(dbfleet_url):\n    pass\n"

ENV = """
from alembic import context
from sqlalchemy import create_engine

url = context.config.get_main_option("sqlalchemy.url")
print("env.py connects to", url)
with create_engine(url).connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

FIRST = '''"""create thing"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("thing", sa.Column("id", sa.Integer, primary_key=True))
'''

BROKEN = '''"""add widget"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.execute("CREATE TABEL widget (id int)")
'''


def _error_line(result: pytest.RunResult) -> str:
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert "Traceback" not in result.stderr.str()
    return errors[0]


def _log(project: pytest.Pytester) -> Path:
    logs = list((project.path / ".dbfleet").glob("migrate-*.log"))
    assert len(logs) == 1, logs
    return logs[0]


def test_a_failing_alembic_migration_names_its_exception_revision_and_log(
    pytester: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner_environment(monkeypatch, server.url(base))
    pytester.makeini(INI.format(spec="alembic"))
    pytester.makefile(".ini", alembic="[alembic]\nscript_location = %(here)s/migrations\n")
    versions = pytester.mkdir("migrations") / "versions"
    versions.mkdir()
    (pytester.path / "migrations" / "env.py").write_text(ENV)
    (versions / "0001_first.py").write_text(FIRST)
    (versions / "0002_broken.py").write_text(BROKEN)
    pytester.makepyfile(test_db=TESTS)

    line = _error_line(run(pytester))

    assert "failed at revision 0002 (add widget): sqlalchemy.exc." in line, line
    assert "TABEL" in line, line
    assert "Background on this error" not in line
    log = _log(pytester)
    assert f"its output is in .dbfleet/{log.name}" in line, line
    output = log.read_text()
    assert "Traceback (most recent call last):" in output
    assert "[SQL: CREATE TABEL widget (id int)]" in output
    assert "env.py connects to" in output
    assert SECRET not in output
    assert server.names(base) == set()


ASYNC_CODE_ON_A_SYNC_URL = """
import asyncio
from sqlalchemy.ext.asyncio import create_async_engine


def build(url):
    async def create():
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE note (id int)")
        await engine.dispose()

    asyncio.run(create())
"""


@pytest.mark.parametrize("server", ["mysql", "sqlite"], indirect=True)
def test_a_python_builder_failing_on_its_driver_is_told_about_sync_and_async_urls(
    pytester: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner_environment(monkeypatch, server.url(base))
    pytester.makeini(INI.format(spec="python:schema:build"))
    pytester.makepyfile(schema=ASYNC_CODE_ON_A_SYNC_URL, test_db=TESTS)

    line = _error_line(run(pytester))

    assert "sqlalchemy.exc.InvalidRequestError: The asyncio extension requires" in line, line
    assert "sync_url or async_url" in line, line
    assert SECRET not in _log(pytester).read_text()
    assert server.names(base) == set()


BLOCKING_BUILDER = """
import time


def build(url):
    with open("ready.fifo", "w") as ready:
        ready.write("building\\n")
    time.sleep(300)  # ended by dbfleet; by itself only if the test failed first
"""


@pytest.mark.reliability
@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_ctrl_c_during_a_build_is_one_line_and_leaves_no_database(
    pytester: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner_environment(monkeypatch, server.url(base))
    pytester.makeini(INI.format(spec="python:schema:build"))
    pytester.makepyfile(schema=BLOCKING_BUILDER, test_db=TESTS)
    fifo = pytester.path / "ready.fifo"
    os.mkfifo(fifo)
    # Opened before the run, without blocking: the builder's open then finds its reader.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    inner = pytester.popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        readable, _, _ = select.select([reader], [], [], 120)
        assert readable, "the builder never started"
        backend = open_backend(make_url(server.url(base)))
        try:
            building = [db for db in backend.list_managed() if db.name.startswith(base)]
        finally:
            backend.close()
        assert [db.marker.kind for db in building] == ["building"]
        inner.send_signal(signal.SIGINT)
        out, err = inner.communicate(timeout=120)
    finally:
        os.close(reader)
        if inner.poll() is None:
            inner.kill()
            inner.wait()

    output = (out + err).decode()
    assert inner.returncode == pytest.ExitCode.INTERRUPTED, output
    assert "dbfleet: interrupted while building template " in output
    assert "; nothing was kept" in output
    assert "Traceback" not in output
    assert "KeyboardInterrupt" not in output
    assert server.names(base) == set()
    assert server.names(STAGING_PREFIX + building[0].marker.run) == set()
