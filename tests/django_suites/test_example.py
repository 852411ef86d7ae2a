"""The Django example itself (``examples/library``), as the issue's "done" asks: at ``-n 2`` its
workers get clones and a warm run runs no migration; a migration edit rebuilds exactly once.

On a copy in a temporary folder, so the edit never touches the repository; on SQLite, so it
needs no server (``dev.py test`` runs the whole suite on every server); on a few of its files,
since the migrations counted do not depend on the selection.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import INHERITED

pytestmark = pytest.mark.django

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library"
SELECTION = [
    "tests/test_catalog_models.py",
    "tests/test_seeded_data.py",
    "tests/test_transactions.py",
]

NOOP = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_moderation_and_constraints")]
    operations = [migrations.RunSQL("SELECT 1", "SELECT 1")]
"""


def _run(project: Path, database: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in INHERITED and not k.startswith("DBFLEET_")
    }
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "pytest", "-n", "2", "-q", *SELECTION]
    return subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=300
    )


def _template(done: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    found = re.search(r"template (\S+_tpl_\w+) (reused|built)", done.stdout)
    assert found, done.stdout
    assert "migrations run in the workers: 0" in done.stdout, done.stdout
    return found.group(1), found.group(2)


def test_the_example_warm_run_migrates_nothing_and_an_edit_rebuilds_once(tmp_path: Path) -> None:
    project = tmp_path / "library"
    shutil.copytree(
        EXAMPLE, project, ignore=shutil.ignore_patterns("*.sqlite3", "__pycache__", ".dbfleet")
    )
    database = tmp_path / "library.sqlite3"
    first, how = _template(_run(project, database))
    assert how == "built"
    assert _template(_run(project, database)) == (first, "reused")
    (project / "reviews" / "migrations" / "0004_noop.py").write_text(NOOP)
    rebuilt, how = _template(_run(project, database))
    assert how == "built"
    assert rebuilt != first
    assert _template(_run(project, database)) == (rebuilt, "reused")
    # Only the templates are left (the older kept for a switch back), in dbfleet's folder
    # beside the database: no clone, and nothing of dbfleet's beside the database itself.
    found = sorted(path.name for path in tmp_path.glob("**/test_library*.sqlite3"))
    assert found == sorted([f"{first}.sqlite3", f"{rebuilt}.sqlite3"])
    assert not list(tmp_path.glob("test_library*"))
