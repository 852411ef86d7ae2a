"""``dbfleet doctor``: one line per finding, exit 1 on a problem, on real projects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dbfleet.cli import main
from support import SECRET, run, seeded_suite

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ledger"


@pytest.fixture
def suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, base_url: str
) -> pytest.Pytester:
    return seeded_suite(pytester, base_url, monkeypatch)


def _doctor(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["doctor", str(path), *args])
    return code, capsys.readouterr().out


def test_the_bundled_example_is_healthy_and_its_models_are_in_the_fingerprint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DBFLEET_URL", "DATABASE_URL", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    code, out = _doctor(EXAMPLE, capsys)
    assert code == 0, out
    assert "PROBLEM" not in out
    assert "url          embedded PostgreSQL" in out
    # Concise by default: the files behind the fingerprint only with -v.
    assert "fingerprint  ledger/models.py" not in out
    assert "file(s) in the fingerprint (dbfleet doctor -v lists them)" in out
    code, verbose = _doctor(EXAMPLE, capsys, "-v")
    assert "fingerprint  ledger/models.py" in verbose


def test_a_template_built_from_other_migrations_is_a_note_not_a_failure(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """The normal state after a migration edit: the next run rebuilds, nothing will fail, so
    doctor can gate CI."""
    run(suite).assert_outcomes(passed=3)
    code, out = _doctor(suite.path, capsys)
    assert code == 0, out
    assert "is current: the next run reuses it" in out
    (suite.path / "schema.sql").write_text((suite.path / "schema.sql").read_text() + "\n-- v2\n")
    code, out = _doctor(suite.path, capsys)
    assert code == 0, out
    assert "note    template" in out
    assert "was built from other migrations" in out
    assert SECRET not in out
    assert "(from DBFLEET_URL)" in out


def test_a_plugin_that_reads_the_url_at_import_time_is_a_problem(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\naddopts = -p appplugin\n")
    suite.makepyfile(
        appplugin="import settings\n",
        settings='import os\nDATABASE = os.environ["DATABASE_URL"]\n',
    )
    code, out = _doctor(suite.path, capsys)
    assert code == 1
    assert "PROBLEM early read   settings.py (imported by -p appplugin) reads DATABASE_URL" in out
    suite.makepyfile(settings='import os\ndef database():\n    return os.environ["DATABASE_URL"]\n')
    code, out = _doctor(suite.path, capsys)
    assert "early read" not in out


def test_a_fingerprint_glob_that_matches_nothing_is_a_problem(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\ndbfleet_fingerprint = modles/*.py\n")
    code, out = _doctor(suite.path, capsys)
    assert code == 1
    assert "glob 'modles/*.py' matches no file" in out


def test_an_unparsable_url_is_one_problem_said_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DBFLEET_URL", "DATABASE_URL", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeini(
        "[pytest]\ndbfleet_migrate = sql:schema.sql\n"
        f"dbfleet_url = postgresql://postgres:{SECRET}@127.0.0.1:notaport/app_test\n"
    )
    (pytester.path / "schema.sql").write_text("CREATE TABLE item (id INTEGER PRIMARY KEY);\n")
    done = subprocess.run(
        [sys.executable, "-m", "dbfleet.cli", "doctor", str(pytester.path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 1, problems
    assert problems[0].startswith("PROBLEM url ")
    assert "cannot parse the database URL" in problems[0]
    assert SECRET not in done.stdout + done.stderr


def test_it_says_why_dbfleet_is_active_or_idle(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("DBFLEET_URL", "DBFLEET_MIGRATE", "DBFLEET_ISOLATION", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", base_url)
    pytester.makeini("[pytest]\n")
    code, out = _doctor(pytester.path, capsys)
    assert code == 0, out
    assert "note    active       no: DATABASE_URL is set, but nothing asks for dbfleet" in out
    pytester.makeini("[pytest]\ndbfleet_isolation = rollback\n")
    code, out = _doctor(pytester.path, capsys)
    assert "ok      active       yes: dbfleet_isolation (ini) asks for dbfleet" in out
    assert "note    migrate      none configured: every database starts empty" in out
    assert SECRET not in out


def test_a_typo_in_a_setting_is_a_problem(
    suite: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite.makeini("[pytest]\ndbfleet_migrate = sql:schema.sql\ndbfleet_isolaton = rollback\n")
    code, out = _doctor(suite.path, capsys)
    assert code == 1
    assert (
        "PROBLEM settings     dbfleet: unknown setting dbfleet_isolaton in tox.ini; "
        "did you mean dbfleet_isolation?"
    ) in out
