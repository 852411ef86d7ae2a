"""The README's ``bench --baseline`` recipe, run twice: a hand-written baseline that never drops
its worker databases must not make the second bench's dbfleet modes refuse to run."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from support import INHERITED, SECRET, create_database

HANDWRITTEN = Path(__file__).resolve().parents[1] / "handwritten"

#: The README's hand-written conftest drops its database when the session ends; many never do.
TEARDOWN_DROP = """    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()
"""

STRICT = 'filterwarnings = ["error"]\nasyncio_default_fixture_loop_scope = "function"\n'


def _checkout(root: Path, conftest: str, ini: str) -> Path:
    root.mkdir()
    shutil.copytree(HANDWRITTEN / "project" / "app", root / "app")
    shutil.copy(HANDWRITTEN / "project" / "items_tests.py", root / "test_items.py")
    (root / "conftest.py").write_text(conftest)
    (root / "pyproject.toml").write_text(ini + STRICT)
    return root


def test_the_readme_baseline_recipe_runs_twice_and_leaves_older_databases_alone(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    admin: psycopg.Connection[tuple[object, ...]],
    base_url: str,
    base_name: str,
    databases: Callable[[], set[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from dbfleet.cli import main

    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", base_url.replace("postgresql://", "postgresql+psycopg://"))
    before = (HANDWRITTEN / "conftest_before.py").read_text()
    assert TEARDOWN_DROP in before
    never_drops = before.replace(TEARDOWN_DROP, "    admin.dispose()\n")
    _checkout(pytester.path / "before", never_drops, "[tool.pytest.ini_options]\n")
    after = _checkout(
        pytester.path / "after",
        (HANDWRITTEN / "conftest_after.py").read_text(),
        (HANDWRITTEN / "ini_after.toml").read_text(),
    )
    # Someone's own database on a project name, there before the bench: never the bench's to drop.
    older = f"{base_name}_gw5"
    create_database(admin, older, None)
    baseline = f"cd ../before && {sys.executable} -m pytest -n 2 -p no:dbfleet"
    argv = ["bench", str(after), "--workers", "2", "--modes", "serial,dbfleet"]
    for attempt in range(2):
        out_json = after / f"bench-{attempt}.json"
        code = main([*argv, "--baseline", baseline, "--json", str(out_json)])
        captured = capsys.readouterr()
        assert SECRET not in captured.out + captured.err
        assert code == 0, captured.out + captured.err
        modes = json.loads(out_json.read_text())["modes"]
        assert [mode["totals"]["passed"] for mode in modes] == [6, 6, 6]
        assert {name for name in databases() if "_tpl_" not in name} == {older}


def test_only_what_appeared_during_the_command_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a relative SQLite URL, read from the project's directory as the bench's pytest runs
    read it, whatever directory the bench was started in."""
    from dbfleet.bench.leftovers import cleared_after

    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\ndbfleet_url = sqlite:///app.db\n")
    monkeypatch.chdir(tmp_path)

    def plant(name: str) -> None:
        with contextlib.closing(sqlite3.connect(project / f"{name}.db")) as conn:
            conn.execute("CREATE TABLE precious (v TEXT)")

    plant("app")
    plant("app_gw3")
    with cleared_after(project, {}):
        for name in ("app_gw0", "app_gw1", "app_other"):
            plant(name)
    remaining = sorted(path.stem for path in project.glob("*.db"))
    assert remaining == ["app", "app_gw3", "app_other"]
