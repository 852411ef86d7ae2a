"""Async engines per event loop: reused inside a loop, closed cleanly when the loop ends."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest
from inner_projects import make_project, run_inner
from sqlalchemy import text

from backends.servers import Server
from dbfleet.backends.postgres.server import connect_kwargs
from dbfleet.isolation.engines import LoopEngines
from dbfleet.urls import parse_url


def _sessions(url: str) -> int:
    parsed = parse_url(url)
    with psycopg.connect(**connect_kwargs(parsed, "postgres"), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (parsed.database,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_one_engine_per_loop_reused_within_it_and_closed_with_it(pg: Server, base: str) -> None:
    url = pg.url(base).replace("postgresql+psycopg", "postgresql+asyncpg")
    # The base database itself is enough here; dbfleet only names it.
    with psycopg.connect(**connect_kwargs(parse_url(url), "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{base}"')
    engines = LoopEngines(url)
    pids: list[set[int]] = []

    async def use() -> None:
        seen = set()
        for _ in range(3):
            engine = await engines.engine()
            async with engine.connect() as conn:
                seen.add((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        assert await engines.engine() is engine
        pids.append(seen)
        assert _sessions(url) == 1

    for _ in range(2):
        asyncio.run(use())
        assert len(engines) == 0
        assert _sessions(url) == 0
    assert [len(seen) for seen in pids] == [1, 1]
    assert engines.created == 2


RECORDING = """
import json, os
import pytest
from sqlalchemy import text

{mark}

@pytest.mark.parametrize("n", range(3))
async def test_records_its_connection(n, dbfleet_async_engine):
    async with dbfleet_async_engine.connect() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
    with open(f"pid-{{n}}.json", "w") as out:
        json.dump(pid, out)
"""


@pytest.mark.parametrize(
    ("scope", "distinct"), [("function", 3), ("module", 1)], ids=["new-loop-per-test", "module"]
)
def test_tests_sharing_a_loop_share_its_connections(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    pg: Server,
    base: str,
    scope: str,
    distinct: int,
) -> None:
    project = make_project(
        pytester,
        monkeypatch,
        pg,
        base,
        driver="postgresql+asyncpg",
        ini=f"asyncio_mode = auto\nasyncio_default_test_loop_scope = {scope}\n"
        f"asyncio_default_fixture_loop_scope = {scope}\n",
    )
    project.makepyfile(test_pids=RECORDING.format(mark=""))
    run_inner(project).assert_outcomes(passed=3)
    pids = {json.loads(path.read_text()) for path in project.path.glob("pid-*.json")}
    assert len(pids) == distinct
