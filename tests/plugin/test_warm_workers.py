"""Warm workers (``--dbfleet-warm-workers``): real ``-n 2`` sessions whose workers are forked
from an interpreter that imported the last run's modules, in a strict project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dbfleet.warm import modules
from dbfleet.warm.interpreter import preload
from dbfleet.warm.launch import SOCKET_ENV
from support import run

STRICT = """
[pytest]
filterwarnings = error
addopts = --strict-markers -p no:cacheprovider
dbfleet_migrate = sql:schema.sql
dbfleet_warm_workers = true
asyncio_default_fixture_loop_scope = function
"""

# At import, before any test: is this worker a fork of the warm interpreter, did it find a module
# only the previous run's tests imported, was its own DATABASE_URL exported already, and did it
# inherit a frozen heap (the worker freezes its own only later, at session start)?
CONFTEST = """
import gc, json, os, sys

main = getattr(sys.modules["__main__"], "__spec__", None)
seen = {
    "forked": getattr(main, "name", None) == "dbfleet.warm.interpreter",
    "colorsys": "colorsys" in sys.modules,
    "url": os.environ.get("DATABASE_URL", ""),
    "frozen": gc.get_freeze_count() > 0,
}
worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
with open(os.path.join(os.environ["SEEN_DIR"], worker + ".json"), "w") as out:
    json.dump(seen, out)
"""

TESTS = """
import colorsys

import httpx  # imports anyio, a pytest plugin's package: never preloaded


def test_{n}(dbfleet_url):
    assert colorsys.rgb_to_hsv(0, 0, 0) == (0.0, 0.0, 0.0)
    assert httpx.URL("http://x").host == "x"
"""


@pytest.fixture
def strict(project: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project.makefile(".ini", pytest=STRICT)
    (project.path / "schema.sql").write_text("CREATE TABLE t (id integer);")
    project.makeconftest(CONFTEST)
    for n in range(4):
        project.makepyfile(**{f"test_{n}": TESTS.format(n=n)})
    seen = tmp_path / "seen"
    seen.mkdir()
    monkeypatch.setenv("SEEN_DIR", str(seen))
    return seen


def _seen(folder: Path) -> dict[str, dict[str, object]]:
    found = {path.stem: json.loads(path.read_text()) for path in folder.glob("gw*.json")}
    for path in folder.glob("*.json"):
        path.unlink()
    return found


def test_workers_start_from_the_warm_interpreter_with_the_last_runs_modules(
    project: pytest.Pytester, strict: Path
) -> None:
    run(project, "-n", "2", "-W", "error").assert_outcomes(passed=4)
    first = _seen(strict)
    assert sorted(first) == ["gw0", "gw1"]
    assert all(seen["forked"] for seen in first.values()), first
    assert not any(seen["colorsys"] for seen in first.values()), first  # nothing listed yet
    assert all(seen["frozen"] for seen in first.values()), first
    listed, _skip = modules.load(project.path)
    assert "colorsys" in listed
    # A plugin's package, and what requires one, is never preloaded (the second run's workers
    # would crash under -W error on pytest's "already imported" warning, and start cold).
    assert {"anyio", "httpx", "xdist", "pytest_asyncio"} <= modules.unsafe()

    run(project, "-n", "2", "-W", "error").assert_outcomes(passed=4)
    second = _seen(strict)
    assert all(seen["forked"] for seen in second.values()), second
    assert all(seen["colorsys"] for seen in second.values()), second
    # Each worker's own database was exported before its conftest was imported.
    urls = sorted(str(seen["url"]) for seen in second.values())
    assert urls[0].endswith("_gw0")
    assert urls[1].endswith("_gw1")


def test_without_the_option_workers_start_cold(project: pytest.Pytester, strict: Path) -> None:
    run(project, "-n", "2", "-o", "dbfleet_warm_workers=false").assert_outcomes(passed=4)
    assert not any(seen["forked"] for seen in _seen(strict).values())


def test_the_warm_interpreter_freezes_its_heap_before_forking_unless_told_not_to(
    project: pytest.Pytester, strict: Path
) -> None:
    run(project, "-n", "2", "-W", "error", "--dbfleet-gc-freeze=off").assert_outcomes(passed=4)
    seen = _seen(strict)
    assert all(worker["forked"] for worker in seen.values()), seen
    assert not any(worker["frozen"] for worker in seen.values()), seen


def test_a_module_that_pulls_in_a_plugin_stops_the_preload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dbft_plugged").mkdir()
    (tmp_path / "dbft_plugged" / "__init__.py").write_text("")
    (tmp_path / "dbft_user.py").write_text("import dbft_plugged\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("dbft_user", "dbft_plugged"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert preload(["json", "dbft_user", "colorsys"], set(), {"dbft_plugged"}) == "dbft_user"
    # The pool drops it from the list and remembers to: the next list leaves it out too.
    modules.save(tmp_path, ["json", "dbft_user", "dbft_user.sub", "colorsys"], {"dbft_user"})
    modules.save(tmp_path, ["json", "dbft_user"], set())
    assert modules.load(tmp_path) == (["json"], ["dbft_user"])


@pytest.mark.parametrize("socket_path", [None, "/nonexistent/dbfleet-warm/socket"])
def test_the_launcher_runs_the_worker_itself_when_no_warm_interpreter_answers(
    socket_path: str | None,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != SOCKET_ENV}
    if socket_path:
        env[SOCKET_ENV] = socket_path
    code = "import sys; print(sys.argv[0], 6 * 7); sys.exit(3)"
    done = subprocess.run(
        [sys.executable, "-m", "dbfleet.warm.launch", "-u", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.split()) == (3, ["-c", "42"]), done.stderr
