"""SQLite: the files dbfleet makes live in the project's ``.dbfleet/sqlite/``, not its root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import inner_environment, run

TESTS = """
import json, os
from sqlalchemy import create_engine, text

def test_writes_its_own_file(dbfleet_url):
    engine = create_engine(dbfleet_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM item")).scalar() == 0
    engine.dispose()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    with open(f"seen-{worker}.json", "w") as out:
        json.dump(engine.url.database, out)

def test_second(dbfleet_url):
    pass
"""


@pytest.fixture
def sqlite_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    inner_environment(monkeypatch, f"sqlite:///{pytester.path / 'app_test.db'}")
    pytester.makeini(
        "[pytest]\ndbfleet_migrate = sql:schema.sql\nfilterwarnings = error\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    (pytester.path / "schema.sql").write_text("CREATE TABLE item (id INTEGER PRIMARY KEY);\n")
    pytester.makepyfile(test_files=TESTS)
    return pytester


def _seen(project: pytest.Pytester) -> set[Path]:
    return {Path(json.loads(p.read_text())) for p in project.path.glob("seen-*.json")}


def test_templates_and_clones_stay_out_of_the_project_root(
    sqlite_project: pytest.Pytester,
) -> None:
    root = sqlite_project.path
    run(sqlite_project, "-n", "2").assert_outcomes(passed=2)
    folder = root / ".dbfleet" / "sqlite"
    assert {path.parent for path in _seen(sqlite_project)} == {folder}
    assert [path.name for path in folder.glob("*.db")] == [
        next(folder.glob("app_test_tpl_*.db")).name
    ]
    assert not list(root.glob("app_test*"))
    assert (root / ".dbfleet" / ".gitignore").is_file()
    # A serial run's database is the file the URL names, where the application looks for it.
    for path in root.glob("seen-*.json"):
        path.unlink()
    run(sqlite_project).assert_outcomes(passed=2)
    assert _seen(sqlite_project) == {root / "app_test.db"}
    assert not list(root.glob("app_test*"))
