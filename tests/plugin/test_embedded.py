"""The embedded default: no server configured, a throwaway PostgreSQL from pgserver."""

from __future__ import annotations

import pytest

from support import run

pytest.importorskip("pgserver", reason="the embedded server needs pytest-dbfleet[embedded]")

TESTS = """
import os
import psycopg

def test_embedded_database(dbfleet_database, dbfleet_url):
    assert os.environ["DATABASE_URL"] == dbfleet_url
    with psycopg.connect(dbfleet_url) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
"""


def test_embedded_server_runs_the_suite_and_keeps_its_template(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBFLEET_URL")
    project.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\n")
    (project.path / "schema.sql").write_text("CREATE TABLE t (id int); INSERT INTO t VALUES (1);")
    project.makepyfile(test_embedded=TESTS)
    first = run(project, "--dbfleet-embedded", "-n", "2")
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(["*template dbfleet_test_tpl_* built in*"])
    assert (project.path / ".dbfleet" / "pgdata" / "PG_VERSION").exists()
    second = run(project, "--dbfleet-embedded")
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(["*template dbfleet_test_tpl_* reused*"])


def test_embedded_url_setting_picks_driver_and_name(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBFLEET_URL", "embedded+psycopg/shop_test")
    project.makepyfile(
        test_name="""
        import os
        def test_name(dbfleet_database):
            assert dbfleet_database.name == "shop_test"
            assert os.environ["DATABASE_URL"].startswith("postgresql+psycopg://")
        """
    )
    run(project).assert_outcomes(passed=1)
