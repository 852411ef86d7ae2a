"""``python:`` builders get a URL they can use as written: a plain function a blocking driver's,
an ``async def`` the asyncio driver's (awaited by dbfleet), and named parameters both."""

from __future__ import annotations

import pytest

from support import run

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
note = sa.Table("note", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.Text))


# A DDL hook whose SQL holds a literal %: blocking drivers' paramstyle trips over it.
@sa.event.listens_for(note, "after_create")
def _percent(target, connection, **kw):
    connection.exec_driver_sql(
        "CREATE FUNCTION pct() RETURNS text LANGUAGE sql AS $$ SELECT '100%' $$"
    )
"""

BUILDERS = {
    "sync": """
import sqlalchemy as sa
from models import metadata

def build(url):
    assert "+asyncpg" not in url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE plain (id int)")
    engine.dispose()
""",
    "async": """
from sqlalchemy.ext.asyncio import create_async_engine
from models import metadata

async def build(url):
    assert "+asyncpg" in url
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
""",
    "named": """
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from models import metadata

async def build(sync_url, async_url):
    assert "+asyncpg" in async_url and "+asyncpg" not in sync_url
    engine = create_async_engine(async_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
""",
}

TESTS = """
import sqlalchemy as sa

def test_schema(dbfleet_url):
    engine = sa.create_engine(dbfleet_url.replace("+asyncpg", "+psycopg"))
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert tables & {"note", "plain"}
"""


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_a_python_builder_gets_a_url_it_can_use(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str, kind: str
) -> None:
    monkeypatch.setenv("DBFLEET_URL", base_url.replace("postgresql://", "postgresql+asyncpg://"))
    project.makeini("[pytest]\ndbfleet_migrate = python:builder:build\n")
    project.makepyfile(models=MODELS, builder=BUILDERS[kind], test_schema=TESTS)
    run(project).assert_outcomes(passed=1)


def _header(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if line.startswith("dbfleet: ") and " -> " in line)


def _template_of(result: pytest.RunResult) -> str:
    return _header(result).split("template ")[1].split()[0]


def test_a_changed_model_file_rebuilds_the_template_with_no_fingerprint_line(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> None:
    monkeypatch.setenv("DBFLEET_URL", base_url.replace("postgresql://", "postgresql+asyncpg://"))
    project.makeini("[pytest]\ndbfleet_migrate = python:builder:build\n")
    project.makepyfile(models=MODELS, builder=BUILDERS["async"], test_schema=TESTS)
    first = run(project)
    first.assert_outcomes(passed=1)
    again = run(project)
    assert _template_of(again) == _template_of(first)
    assert "(reused)" in _header(again)
    project.makepyfile(
        models=MODELS.replace(
            'sa.Column("body", sa.Text)', 'sa.Column("body", sa.Text), sa.Column("n", sa.Integer)'
        )
    )
    changed = run(project)
    changed.assert_outcomes(passed=1)
    assert _template_of(changed) != _template_of(first)
