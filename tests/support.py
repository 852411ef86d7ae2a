"""Helpers shared by the test modules: the planted password and inner pytest runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from dbfleet.marker import Marker, Run, process_space

SECRET = "hunter2-Pa55word"

#: What an inner pytest must not inherit from the run that starts it: this run's xdist and
#: dbfleet state, the URLs it exported, and the CI job summary it would otherwise append to.
INHERITED = (
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
    "DBFLEET_CONTROLLER",
    "DBFLEET_URL",
    "DBFLEET_MIGRATE",
    "DBFLEET_ISOLATION",
    "DBFLEET_CHECK_LEAKS",
    "DATABASE_URL",
    "DBFLEET_WORKER_PID",
    "DBFLEET_EXPORTED_URL",
    "DBFLEET_NAMESPACE",
    "GITHUB_STEP_SUMMARY",
)


SCHEMA = """
CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(50));
INSERT INTO item (id, name) VALUES (1, 'seed');
"""

CONFTEST = """
import os
SEEN_AT_IMPORT = os.environ.get("DATABASE_URL")
"""

TESTS = """
import json, os
import pytest
from sqlalchemy import create_engine, text
from conftest import SEEN_AT_IMPORT

@pytest.mark.parametrize("n", range(3))
def test_sees_its_own_seeded_database(n, dbfleet_database, dbfleet_url):
    assert SEEN_AT_IMPORT == dbfleet_url == os.environ["DATABASE_URL"]
    engine = create_engine(dbfleet_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT name FROM item WHERE id = 1")).scalar() == "seed"
        conn.execute(text("INSERT INTO item (id, name) VALUES (:id, 'mine')"), {"id": 100 + n})
    engine.dispose()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    with open(f"seen-{worker}-{n}.json", "w") as out:
        json.dump(dbfleet_database.name, out)
"""


def inner_environment(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Inner runs see only ``DBFLEET_URL``, not this run's xdist and dbfleet state."""
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DBFLEET_URL", url)


def seeded_suite(
    pytester: pytest.Pytester, url: str, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """A project of three tests that check the seed row its migration inserts, at ``url``."""
    inner_environment(monkeypatch, url)
    pytester.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\n")
    (pytester.path / "schema.sql").write_text(SCHEMA)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_items=TESTS)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An inner pytest session in a subprocess; fails the test if the password shows anywhere."""
    result = pytester.runpytest_subprocess(*args, timeout=180)
    output = "\n".join(result.outlines + result.errlines)
    assert SECRET not in output, "the password leaked into pytest's output"
    return result


def create_database(
    admin: psycopg.Connection[tuple[object, ...]], name: str, marker: Marker | None
) -> None:
    """A database made by hand, optionally carrying a marker, as another run would leave it."""
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    if marker is not None:
        admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(marker.to_json())
            )
        )


def dead_run() -> Run:
    """A run on this host whose process has exited: what a crashed run looks like."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return Run("deadrun00001", Run.current().host, process.pid, process_space())


def marker_of(admin: psycopg.Connection[tuple[object, ...]], name: str) -> str | None:
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    return None if row is None else (None if row[0] is None else str(row[0]))


#: Where a CI run keeps the screenshots the README shows (with DBFLEET_ARTIFACTS set).
ARTIFACTS = Path(__file__).resolve().parents[1] / ".ci" / "out"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium on PATH: install it (apt-get install chromium) to test the page")


def headless(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tempfile.mkdtemp(prefix="dbfleet-chromium-")
    try:
        return subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def rendered_dom(browser: str, page: Path) -> str:
    """The page's DOM after its script ran, checked: self-contained (nothing fetched), the
    script finished (``data-ready``) and raised nothing (``data-js-error``)."""
    html = page.read_text()
    assert "http://" not in html
    assert "https://" not in html
    dumped = headless(browser, "--dump-dom", page.as_uri())
    dom = dumped.stdout
    assert 'data-ready="1"' in dom, dumped.stderr[-2000:]
    opening = re.search(r"<html[^>]*>", dom)
    assert opening is not None
    assert "data-js-error" not in opening.group(0), opening.group(0)
    return dom


#: A conftest whose object writes ``finalized-<pid>`` when the interpreter tears its modules
#: down: how the fast-exit tests see whether finalization ran.
FINALIZATION_WITNESS = """
import os

class Witness:
    def __del__(self, _open=open, _getpid=os.getpid):
        with _open(f"finalized-{_getpid()}", "w") as out:
            out.write("finalized")

WITNESS = Witness()
"""


def unmeasured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep inner runs out of the outer run's coverage: a running measurement makes the fast
    exit stand down (its data is saved at finalization), so under ``pytest --cov`` none of them
    would exit fast. The coverage tests start their own measurement."""
    for name in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"):
        monkeypatch.delenv(name, raising=False)
