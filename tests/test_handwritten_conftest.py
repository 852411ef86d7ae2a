""" "Coming from a hand-written conftest" (README), done to a project written in that style: the
README's diff is exactly the conversion, and the suite passes before (no dbfleet) and after,
at ``-n 2``, with the same outcomes."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest

from support import INHERITED, run

HERE = Path(__file__).parent / "handwritten"
README = Path(__file__).resolve().parents[1] / "README.md"


def _diff() -> str:
    before = (HERE / "conftest_before.py").read_text().splitlines(keepends=True)
    after = (HERE / "conftest_after.py").read_text().splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, "a/conftest.py", "b/conftest.py"))


def test_the_readme_shows_exactly_this_conversion() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```diff\n(.*?)```", text, flags=re.S)
    assert _diff() in blocks
    assert (HERE / "ini_after.toml").read_text() in text


def _project(pytester: pytest.Pytester, conftest: str, ini: str) -> pytest.Pytester:
    shutil.copytree(HERE / "project" / "app", pytester.path / "app", dirs_exist_ok=True)
    shutil.copy(HERE / "project" / "items_tests.py", pytester.path / "test_items.py")
    shutil.copy(HERE / conftest, pytester.path / "conftest.py")
    (pytester.path / "pyproject.toml").write_text(ini)
    return pytester


def test_the_hand_written_suite_passes_before_and_after_the_conversion(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    base_name: str,
    databases: object,
) -> None:
    for name in INHERITED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", base_url.replace("postgresql://", "postgresql+psycopg://"))
    before = _project(pytester, "conftest_before.py", "[tool.pytest.ini_options]\n")
    old = run(before, "-n", "2", "-p", "no:dbfleet")
    old.assert_outcomes(passed=6)
    after = _project(pytester, "conftest_after.py", (HERE / "ini_after.toml").read_text())
    new = run(after, "-n", "2")
    new.assert_outcomes(passed=6)
    new.stdout.fnmatch_lines([f"dbfleet: *{base_name} (from DATABASE_URL) -> *"])
