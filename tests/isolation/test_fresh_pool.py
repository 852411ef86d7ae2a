"""The fresh pool: one database per test, never shared, nothing left behind even after a crash."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from inner_projects import leftovers, make_project, run_inner

from backends.servers import Server
from dbfleet.backends import open_backend
from dbfleet.cli import main
from dbfleet.errors import DbfleetError
from dbfleet.fingerprint import fingerprint
from dbfleet.fleet import Template, ensure_template
from dbfleet.isolation.pool import FreshPool
from dbfleet.marker import Run
from dbfleet.migrate import NoMigrator
from dbfleet.urls import parse_url

RECORDING = """
import json, os
import pytest
from sqlalchemy import text

pytestmark = pytest.mark.dbfleet(isolation="fresh")


@pytest.mark.parametrize("n", range(6))
def test_records_its_database(n, dbfleet_connection, dbfleet_test_database, dbfleet_database):
    current = dbfleet_connection.execute(text("SELECT current_database()")).scalar()
    assert current == dbfleet_test_database.name != dbfleet_database.name
    assert os.environ["DATABASE_URL"] == dbfleet_test_database.url
    assert dbfleet_connection.execute(text("SELECT count(*) FROM item")).scalar() == 2
    dbfleet_connection.execute(text("INSERT INTO item (name) VALUES ('mine')"))
    dbfleet_connection.commit()
    with open(f"seen-{{os.getpid()}}-{{n}}-{name}.json", "w") as out:
        json.dump(current, out)
"""


def _seen(pytester: pytest.Pytester) -> list[str]:
    return [json.loads(path.read_text()) for path in pytester.path.glob("seen-*.json")]


def test_the_pool_never_hands_one_database_to_two_tests(
    pg_project: pytest.Pytester, pg: Server, base: str
) -> None:
    pg_project.makepyfile(
        test_a=RECORDING.format(name="a"),
        test_b=RECORDING.format(name="b"),
    )
    result = run_inner(pg_project, "-n", "2", "--dbfleet-fresh-pool", "1")
    result.assert_outcomes(passed=12)
    seen = _seen(pg_project)
    assert len(seen) == 12
    assert len(set(seen)) == 12
    assert all(name.startswith(f"{base}_gw") and "_f" in name for name in seen)
    result.stdout.fnmatch_lines(["*fresh pool: * cloned*"])
    assert leftovers(pg, base) == set()


def test_the_exported_url_is_restored_after_a_fresh_test(pg_project: pytest.Pytester) -> None:
    pg_project.makepyfile(
        test_order="""
import os
import pytest

@pytest.mark.dbfleet(isolation="fresh")
def test_fresh(dbfleet_test_database, dbfleet_database):
    assert os.environ["DATABASE_URL"] == dbfleet_test_database.url != dbfleet_database.url

def test_after(dbfleet_test_database, dbfleet_database):
    assert os.environ["DATABASE_URL"] == dbfleet_test_database.url == dbfleet_database.url
"""
    )
    run_inner(pg_project).assert_outcomes(passed=2)


def test_a_fresh_test_may_not_use_the_session_engine(pg_project: pytest.Pytester) -> None:
    pg_project.makepyfile(
        test_engine="""
import pytest

@pytest.mark.dbfleet(isolation="fresh")
def test_uses_the_worker_engine(dbfleet_engine):
    pass
"""
    )
    result = run_inner(pg_project)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*runs with isolation fresh, but dbfleet_engine is the worker*"])


CRASHING = """
import os
import pytest

@pytest.mark.dbfleet(isolation="fresh")
def test_crashes_the_worker(dbfleet_test_database):
    os._exit(1)

def test_other():
    pass
"""


def test_a_crashed_worker_leaves_nothing_behind(
    pg_project: pytest.Pytester, pg: Server, base: str
) -> None:
    pg_project.makepyfile(test_crash=CRASHING)
    result = run_inner(pg_project, "-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    assert leftovers(pg, base) == set()


POOL_THEN_DIE = """
import os, sys
from pathlib import Path
from sqlalchemy.engine import make_url
from dbfleet.backends import open_backend
from dbfleet.fleet import ensure_template
from dbfleet.fingerprint import fingerprint
from dbfleet.isolation.pool import FreshPool
from dbfleet.marker import Run
from dbfleet.migrate import NoMigrator

url = make_url(sys.argv[1])
backend = open_backend(url)
run = Run.current()
template = ensure_template(
    backend, migrator=NoMigrator(), run=run, environ={}, export=("DATABASE_URL",),
    fingerprint=fingerprint(migrate_spec="", sources=[], extra_globs=(), rootdir=Path("."),
                            server_version=backend.server_version()),
)
# wanted=2: no clone is in flight at the exit (one killed mid-CREATE DATABASE on a server that
# cannot notice, PostgreSQL < 14 or inside the final commit, would stay unmarked).
pool = FreshPool(lambda: open_backend(url), template=template, run=run, worker_id="gw7",
                 size=2, wanted=2)
pool.start()
used = pool.acquire()
pool.acquire()
print(used.name, flush=True)
os._exit(0)  # no close(), no cleanup: what a killed worker leaves
"""


def test_dbfleet_gc_drops_what_a_dead_pool_left(pg: Server, base: str) -> None:
    url = pg.url(base)
    child = subprocess.run(
        [sys.executable, "-c", POOL_THEN_DIE, url], capture_output=True, text=True, check=True
    )
    assert child.stdout.strip().startswith(f"{base}_gw7_f")
    assert leftovers(pg, base), "the dead pool should have left its clones"
    assert main(["gc", "--url", url]) == 0
    assert leftovers(pg, base) == set()


def _sqlite_pool(directory: Path, wanted: int, template_name: str | None = None) -> FreshPool:
    url = parse_url(f"sqlite:///{directory / 'app_test.db'}")
    backend = open_backend(url)
    run = Run.current()
    template = ensure_template(
        backend,
        migrator=NoMigrator(),
        run=run,
        environ={},
        export=("DATABASE_URL",),
        fingerprint=fingerprint(
            migrate_spec="",
            sources=[],
            extra_globs=(),
            rootdir=directory,
            server_version=backend.server_version(),
        ),
    )
    backend.close()
    if template_name is not None:
        template = Template(template_name, template.fingerprint, True, 0.0)
    return FreshPool(
        lambda: open_backend(url),
        template=template,
        run=run,
        worker_id="gw0",
        size=2,
        wanted=wanted,
    )


def test_concurrent_takers_never_get_the_same_database(tmp_path: Path) -> None:
    pool = _sqlite_pool(tmp_path, wanted=24)
    pool.start()
    taken: list[str] = []
    lock = threading.Lock()

    def take(count: int) -> None:
        for _ in range(count):
            database = pool.acquire()
            with lock:
                taken.append(database.name)
            pool.release(database)

    takers = [threading.Thread(target=take, args=(8,)) for _ in range(3)]
    for thread in takers:
        thread.start()
    for thread in takers:
        thread.join()
    pool.close()
    assert len(taken) == len(set(taken)) == 24
    assert pool.stats.cloned == 24 == pool.stats.dropped
    assert sorted(path.name for path in tmp_path.glob("**/*.db")) == [
        next(tmp_path.glob("**/app_test_tpl_*.db")).name
    ]


def test_a_pool_that_cannot_clone_says_why_to_the_waiting_test(tmp_path: Path) -> None:
    pool = _sqlite_pool(tmp_path, wanted=1, template_name="app_test_tpl_gone")
    pool.start()
    with pytest.raises(DbfleetError, match="disappeared before app_test_gw0_f1 was copied"):
        pool.acquire()
    pool.close()


def test_a_fresh_database_url_connects_with_asyncpg(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, pg: Server, base: str
) -> None:
    """The pool's own connections carry a server-side option asyncpg refuses; the URL a test
    gets (and DATABASE_URL) must not."""
    make_project(pytester, monkeypatch, pg, base, driver="postgresql+asyncpg")
    pytester.makepyfile(
        test_async="""
import os
import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.dbfleet(isolation="fresh")


@pytest.mark.asyncio
@pytest.mark.parametrize("n", range(3))
async def test_fresh_async(n, dbfleet_async_connection, dbfleet_test_database):
    current = (await dbfleet_async_connection.execute(text("SELECT current_database()"))).scalar()
    assert current == dbfleet_test_database.name
    assert "options" not in os.environ["DATABASE_URL"]
    password = make_url(os.environ["DATABASE_URL"]).password
    assert password
    assert password not in repr(dbfleet_test_database.url)
    assert password not in dbfleet_test_database.redacted_url
    assert "options" not in dbfleet_test_database.redacted_url
    raw = await asyncpg.connect(os.environ["DATABASE_URL"].replace("+asyncpg", ""))
    assert await raw.fetchval("SELECT count(*) FROM item") == 2
    await raw.close()
"""
    )
    result = run_inner(pytester, "-n", "2")
    result.assert_outcomes(passed=3)
    assert leftovers(pg, base) == set()
