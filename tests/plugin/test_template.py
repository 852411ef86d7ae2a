"""The fingerprinted template: built once, reused while the migrations hold, rebuilt after."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from dbfleet.backends import open_backend
from dbfleet.fleet import ensure_template, schema_fingerprint
from dbfleet.marker import Run
from dbfleet.migrate import parse_migrator
from support import SCHEMA, marker_of, run, seeded_suite

# A python: migrator that counts its calls, so "zero migrations" is observable.
MIGRATION = """
from pathlib import Path
import psycopg

def build(url):
    with Path(__file__).with_name("calls.log").open("a") as log:
        log.write("call\\n")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE note (id serial PRIMARY KEY, body text)")
        conn.execute("INSERT INTO note (body) VALUES ('seeded')")
"""

TESTS = """
import psycopg

def test_seed_row_present(dbfleet_url):
    with psycopg.connect(dbfleet_url) as conn:
        assert conn.execute("SELECT body FROM note").fetchall() == [("seeded",)]
"""


@pytest.fixture
def counted(project: pytest.Pytester) -> pytest.Pytester:
    project.makeini("[pytest]\ndbfleet_migrate = python:schema:build\n")
    project.makepyfile(schema=MIGRATION, test_note=TESTS)
    return project


def _calls(pytester: pytest.Pytester) -> int:
    log = pytester.path / "calls.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def _templates(databases: Callable[[], set[str]]) -> set[str]:
    return {name for name in databases() if "_tpl_" in name}


def test_second_run_reuses_the_template_and_runs_no_migration(counted: pytest.Pytester) -> None:
    first = run(counted, "-n", "2")
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(["*template *_tpl_* built in*"])
    second = run(counted, "-n", "2")
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(["*template *_tpl_* reused*"])
    assert _calls(counted) == 1


def test_changed_migration_builds_a_new_template_and_keeps_the_old(
    counted: pytest.Pytester, databases: Callable[[], set[str]]
) -> None:
    run(counted).assert_outcomes(passed=1)
    old = _templates(databases)
    counted.makepyfile(schema=MIGRATION + "\nSTEP = 2  # a new migration step\n")
    run(counted).assert_outcomes(passed=1)
    new = _templates(databases)
    assert _calls(counted) == 2
    assert len(old) == 1
    assert len(new) == 2  # the old one kept for a switch back
    assert old < new


def test_extra_fingerprint_files_rebuild_the_template(
    counted: pytest.Pytester, databases: Callable[[], set[str]]
) -> None:
    counted.makeini(
        "[pytest]\ndbfleet_migrate = python:schema:build\ndbfleet_fingerprint = fixtures/*.json\n"
    )
    (counted.path / "fixtures").mkdir()
    (counted.path / "fixtures" / "seed.json").write_text("[1]")
    run(counted).assert_outcomes(passed=1)
    (counted.path / "fixtures" / "seed.json").write_text("[1, 2]")
    run(counted).assert_outcomes(passed=1)
    assert _calls(counted) == 2


def test_template_is_marked_and_closed_to_connections(
    counted: pytest.Pytester,
    databases: Callable[[], set[str]],
    admin: psycopg.Connection[tuple[object, ...]],
) -> None:
    run(counted).assert_outcomes(passed=1)
    (template,) = _templates(databases)
    marker = json.loads(marker_of(admin, template) or "{}")
    assert marker["kind"] == "template"
    assert set(marker) >= {"fingerprint", "run", "host", "pid", "created", "base"}
    row = admin.execute(
        "SELECT datallowconn FROM pg_database WHERE datname = %s", (template,)
    ).fetchone()
    assert row == (False,)


def test_alembic_migrations_build_the_template(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ndbfleet_migrate = alembic\n")
    project.makefile(
        ".ini",
        alembic="[alembic]\nscript_location = %(here)s/migrations\n"
        "sqlalchemy.url = postgresql://nobody@invalid/never\n",
    )
    versions = project.mkdir("migrations") / "versions"
    versions.mkdir()
    (project.path / "migrations" / "env.py").write_text(
        "from alembic import context\n"
        "from sqlalchemy import create_engine\n"
        "url = context.config.get_main_option('sqlalchemy.url')\n"
        "with create_engine(url).connect() as connection:\n"
        "    context.configure(connection=connection, target_metadata=None)\n"
        "    with context.begin_transaction():\n"
        "        context.run_migrations()\n"
    )
    (versions / "0001_first.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        "revision = '0001'\ndown_revision = None\n"
        "def upgrade():\n"
        "    op.create_table('thing', sa.Column('id', sa.Integer, primary_key=True))\n"
        '    op.execute("INSERT INTO thing (id) VALUES (7)")\n'
    )
    project.makepyfile(
        test_thing="""
        from sqlalchemy import create_engine, text

        def test_migrated(dbfleet_url):
            with create_engine(dbfleet_url).connect() as conn:
                assert conn.execute(text("SELECT id FROM thing")).scalar() == 7
        """
    )
    run(project, "-n", "2").assert_outcomes(passed=1)


def _ensure(url: str, root: Path, schema: str) -> tuple[object, str]:
    (root / "schema.sql").write_text(schema)
    migrator = parse_migrator("sql:schema.sql", root)
    backend = open_backend(make_url(url))
    template = ensure_template(
        backend,
        migrator=migrator,
        fingerprint=schema_fingerprint(backend, migrator, (), root),
        run=Run.current(),
        environ={},
        export=("DATABASE_URL",),
    )
    return backend, template.name


def test_a_template_a_live_run_uses_is_not_dropped_as_stale(
    base_url: str, tmp_path: Path, databases: object
) -> None:
    old_backend, old = _ensure(base_url, tmp_path, "CREATE TABLE a (id int);")
    others = [_ensure(base_url, tmp_path, f"CREATE TABLE {t} (id int);") for t in "bcd"]
    # Three newer templates are kept, the old one too while a run (old_backend) uses it.
    assert {old, *(name for _, name in others)} <= databases()  # type: ignore[operator]
    old_backend.close()  # type: ignore[attr-defined]
    for backend, _ in others:
        backend.close()  # type: ignore[attr-defined]
    again, _ = _ensure(base_url, tmp_path, "CREATE TABLE d (id int);")
    again.close()  # type: ignore[attr-defined]
    assert old not in databases()  # type: ignore[operator]
    assert {name for _, name in others} <= databases()  # type: ignore[operator]


def test_switching_between_two_branches_migrations_reuses_both_templates(
    base_url: str, tmp_path: Path, databases: object
) -> None:
    first, a = _ensure(base_url, tmp_path, "CREATE TABLE a (id int);")
    first.close()  # type: ignore[attr-defined]
    second, b = _ensure(base_url, tmp_path, "CREATE TABLE b (id int);")
    second.close()  # type: ignore[attr-defined]
    back, again = _ensure(base_url, tmp_path, "CREATE TABLE a (id int);")
    back.close()  # type: ignore[attr-defined]
    assert again == a
    assert {a, b} <= databases()  # type: ignore[operator]


def test_a_rebuild_says_which_file_changed_and_a_comment_does_not_rebuild(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    suite = seeded_suite(pytester, base_url, monkeypatch)
    suite.makeini("[pytest]\ndbfleet_migrate = python:build:build\n")
    suite.makepyfile(
        build=f'''
        from sqlalchemy import create_engine, text

        def build(url):
            """Apply the schema."""
            with create_engine(url).begin() as conn:
                for statement in {SCHEMA!r}.split(";"):
                    if statement.strip():
                        conn.execute(text(statement))
        '''
    )
    run(suite).assert_outcomes(passed=3)
    build = suite.path / "build.py"
    build.write_text("# a comment\n" + build.read_text().replace("Apply", "Apply all of"))
    run(suite).stdout.fnmatch_lines(["dbfleet: * (reused)"])
    build.write_text(
        build.read_text().replace("if statement.strip()", 'if statement.strip(" \\n")')
    )
    run(suite).stdout.fnmatch_lines(["dbfleet: * (built in *s; changed: build.py)"])
