"""Each level against real databases: tests that write, commit, raise, write from another thread
or asynchronously, each followed on the same worker by a test that must see the template."""

from __future__ import annotations

import pytest
from inner_projects import leftovers, make_project, run_inner

from backends.servers import Server

WRITERS = """
import threading
import pytest
from sqlalchemy import text
from dbfleet.isolation.engines import sync_engine

pytestmark = pytest.mark.dbfleet(isolation="{level}")


def names(conn):
    return conn.execute(text("SELECT name FROM item ORDER BY id")).scalars().all()


def test_1_commits_through_the_session(dbfleet_session):
    dbfleet_session.execute(text("INSERT INTO item (name) VALUES ('committed')"))
    dbfleet_session.execute(text("UPDATE item SET name = 'renamed' WHERE id = 1"))
    dbfleet_session.execute(text("DELETE FROM tag"))
    dbfleet_session.commit()
    assert names(dbfleet_session) == ["renamed", "seed-2", "committed"]
    dbfleet_session.execute(text("INSERT INTO item (name) VALUES ('rolled back')"))
    dbfleet_session.rollback()
    assert names(dbfleet_session) == ["renamed", "seed-2", "committed"]


@pytest.mark.xfail(raises=RuntimeError, strict=True)
def test_2_raises_after_writing(dbfleet_session):
    dbfleet_session.execute(text("INSERT INTO item (name) VALUES ('doomed')"))
    dbfleet_session.flush()
    raise RuntimeError("the code under test failed")


@pytest.mark.skipif("{level}" in ("rollback", "none"), reason="only the test's connection is rolled back")
def test_3_commits_from_another_thread(dbfleet_test_database):
    def write():
        engine = sync_engine(dbfleet_test_database.url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO item (name) VALUES ('thread')"))
            conn.execute(text("DELETE FROM tag"))
        engine.dispose()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()


@pytest.mark.asyncio
async def test_4_commits_asynchronously(dbfleet_async_session):
    count = text("SELECT count(*) FROM item")
    before = (await dbfleet_async_session.execute(count)).scalar()
    await dbfleet_async_session.execute(text("INSERT INTO item (name) VALUES ('async')"))
    await dbfleet_async_session.commit()
    assert (await dbfleet_async_session.execute(count)).scalar() == before + 1


def test_5_sees_the_template(dbfleet_connection):
    assert names(dbfleet_connection) == ["seed-1", "seed-2"]
    assert dbfleet_connection.execute(text("SELECT label FROM tag")).scalars().all() == ["first"]
    if "{level}" in ("reset", "fresh"):
        # The counter starts where the template left it: seed ids 1, 2, then 3.
        dbfleet_connection.execute(text("INSERT INTO item (name) VALUES ('next')"))
        assert dbfleet_connection.execute(text("SELECT max(id) FROM item")).scalar() == 3
        dbfleet_connection.commit()
"""


def _suite(project: pytest.Pytester, level: str) -> pytest.Pytester:
    # Two files, so that under --dist loadfile each worker runs the writers, then the check.
    content = WRITERS.replace("{level}", level)
    project.makepyfile(test_first=content, test_second=content)
    return project


@pytest.mark.parametrize("level", ["rollback", "reset", "fresh"])
def test_writes_never_reach_the_next_test(
    project: pytest.Pytester, server: Server, base: str, level: str
) -> None:
    result = run_inner(_suite(project, level), "-n", "2", "--dist", "loadfile")
    skipped = 2 if level == "rollback" else 0
    result.assert_outcomes(passed=8 - skipped, xfailed=2, skipped=skipped)
    assert leftovers(server, base) == set()


def test_without_isolation_the_check_sees_the_writes(project: pytest.Pytester) -> None:
    """The control experiment: the same suite at level none fails its template check."""
    project.makepyfile(test_only=WRITERS.replace("{level}", "none"))
    result = run_inner(project)
    result.assert_outcomes(passed=2, failed=1, xfailed=1, skipped=1)


MIXED = """
import pytest
from sqlalchemy import text


def test_1_none_leaves_a_row(dbfleet_connection):
    dbfleet_connection.execute(text("INSERT INTO item (name) VALUES ('left by none')"))
    dbfleet_connection.commit()


@pytest.mark.dbfleet(isolation="fresh")
def test_2_fresh_never_touches_the_worker_database(dbfleet_connection):
    assert dbfleet_connection.execute(text("SELECT count(*) FROM item")).scalar() == 2


@pytest.mark.dbfleet(isolation="reset")
def test_3_reset_starts_from_the_template(dbfleet_connection):
    names = dbfleet_connection.execute(text("SELECT name FROM item ORDER BY id")).scalars()
    assert names.all() == ["seed-1", "seed-2"]
"""


def test_a_reset_test_after_none_then_fresh_starts_clean(
    project: pytest.Pytester, server: Server, base: str
) -> None:
    """A fresh test between them does not clean the worker's database the none test wrote."""
    project.makepyfile(test_mixed=MIXED)
    result = run_inner(project, "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    assert leftovers(server, base) == set()


@pytest.mark.parametrize("mode", ["strict", "auto"])
@pytest.mark.parametrize("level", ["rollback", "reset"])
def test_async_drivers_in_the_url_get_a_sync_twin_for_the_sync_fixtures(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    pg: Server,
    base: str,
    level: str,
    mode: str,
) -> None:
    """The worker URL says +asyncpg: sync fixtures use psycopg, async ones asyncpg, under
    pytest-asyncio's strict and auto modes and its new loop per test."""
    project = make_project(
        pytester,
        monkeypatch,
        pg,
        base,
        driver="postgresql+asyncpg",
        ini=f"asyncio_mode = {mode}\ndbfleet_isolation = {level}\n",
    )
    content = WRITERS.replace('pytestmark = pytest.mark.dbfleet(isolation="{level}")', "")
    project.makepyfile(test_writers=content.replace("{level}", level))
    result = run_inner(project)
    skipped = 1 if level == "rollback" else 0
    result.assert_outcomes(passed=4 - skipped, xfailed=1, skipped=skipped)
