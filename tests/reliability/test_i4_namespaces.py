"""I4: two runs of one project on one server both succeed, each in names of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backends.servers import Server
from dbfleet.cli import main

KINDS = ["postgresql", "mysql", "sqlite"]

#: Each test says it runs, then waits for the outer test's word, so both runs overlap for sure.
WAITING_TESTS = """
import os, pathlib, time

def test_waits(dbfleet_database):
    pathlib.Path(f"running-{os.getpid()}").write_text(dbfleet_database.name)
    deadline = time.monotonic() + 120
    while not pathlib.Path("go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def _started(folder: Path, count: int) -> set[str]:
    """The databases the inner tests run in, once ``count`` of them have said so."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        running = list(folder.glob("running-*"))
        if len(running) >= count:
            return {path.read_text() for path in running}
        time.sleep(0.05)
    raise AssertionError(f"only {len(list(folder.glob('running-*')))} of {count} tests started")


@pytest.mark.parametrize("server", KINDS, indirect=True)
def test_two_runs_started_together_both_pass_in_names_of_their_own(
    suite: pytest.Pytester, server: Server, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in suite.path.glob("test_*.py"):
        path.unlink()
    suite.makepyfile(test_waiting=WAITING_TESTS.replace("test_waits", "test_a"))
    suite.makepyfile(test_waiting_too=WAITING_TESTS.replace("test_waits", "test_b"))
    command = [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider"]
    runs = [
        subprocess.Popen(
            command,
            cwd=suite.path,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        names = _started(suite.path, 4)
        assert len(names) == 4  # four workers, four databases
        assert main(["list", "--url", server.url(base)]) == 0
        listed = capsys.readouterr().out
        assert all(name in listed for name in names)
    finally:
        (suite.path / "go").write_text("")
        outputs = [process.communicate(timeout=300)[0] for process in runs]
    for process, output in zip(runs, outputs, strict=True):
        assert process.returncode == 0, output
        assert "Traceback" not in output
        assert "[gw2]" not in output
    assert sum("(namespace " in output for output in outputs) == 1
    remaining = server.names(base)
    assert len(remaining) == 1, remaining
    assert "_tpl_" in remaining.pop()
