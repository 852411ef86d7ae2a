"""The ``dbfleet`` command in a strict project (``filterwarnings = error``, ``--strict-markers``):
every command runs cleanly there, and ``plan`` plans exactly the selection pytest runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import INHERITED

DBFLEET = str(Path(sys.executable).with_name("dbfleet"))

TESTS = """
import pytest

def test_a(): pass
def test_b(): pass

@pytest.mark.slow
def test_slow(): pass

@pytest.mark.parametrize("n", range(3))
def test_many(n): pass
"""


@pytest.fixture
def strict(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in (*INHERITED, "DBFLEET_URL"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        addopts = ["--strict-markers", "-p", "no:cacheprovider"]
        filterwarnings = ["error"]
        markers = ["slow: takes long"]
        asyncio_default_fixture_loop_scope = "function"
        """
    )
    pytester.makepyfile(test_things=TESTS)
    return pytester


def _dbfleet(project: pytest.Pytester, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run(
        [DBFLEET, *args], cwd=project.path, env=env, capture_output=True, text=True, check=False
    )


def test_plan_runs_in_a_strict_project_and_plans_exactly_the_selection(
    strict: pytest.Pytester,
) -> None:
    import json

    done = _dbfleet(
        strict, "plan", "--shards", "2", "--json", "--", "-m", "not slow", "-k", "not b"
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    planned = {test for shard in json.loads(done.stdout)["shards"] for test in shard["tests"]}
    collected = strict.runpytest_subprocess("--collect-only", "-q", "-m", "not slow", "-k", "not b")
    selection = {line for line in collected.outlines if "::" in line}
    assert planned == selection
    assert len(selection) == 4


def test_bench_without_a_url_says_dbfleet_is_inactive(strict: pytest.Pytester) -> None:
    done = _dbfleet(strict, "bench", ".", "--modes", "serial,dbfleet", "--workers", "2")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dbfleet inactive" in done.stdout


def test_list_and_gc_run_in_a_strict_project(strict: pytest.Pytester, base_url: str) -> None:
    for command in (["list"], ["gc", "--dry-run"], ["drop", "--dry-run"]):
        done = _dbfleet(strict, *command, "--url", base_url)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
