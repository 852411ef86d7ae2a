"""Under xdist the controller builds the template while the workers start, import and collect:
one build, the same outcomes, and a failed build that ends the run as serially, in one line."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backends.servers import Server
from support import SECRET, run

pytestmark = pytest.mark.django

#: Written by each worker when its collection is done; the build waits for it.
COLLECTED = """
import os
from pathlib import Path


def pytest_collection_finish(session):
    if hasattr(session.config, "workerinput"):
        Path(os.environ["COLLECTED_FILE"]).write_text(session.config.workerinput["workerid"])
"""

#: Written by each worker, to a file of its own, when its collection is done.
COLLECTED_EACH = """
import os
from pathlib import Path


def pytest_collection_finish(session):
    if hasattr(session.config, "workerinput"):
        worker = session.config.workerinput["workerid"]
        Path(f"{os.environ['COLLECTED_FILE']}-{worker}").write_text(worker)
"""

BROKEN = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_seed")]
    operations = [migrations.RunSQL("CREATE TABEL broken (id int)")]
"""


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_the_template_is_built_once_while_the_workers_collect(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The build is held until a worker has collected: were it built before the workers
    start, no worker could collect and the hold would run out instead."""
    collected = django_project.path / "collected"
    monkeypatch.setenv("COLLECTED_FILE", str(collected))
    monkeypatch.setenv("DBFLEET_PAUSE_AT", f"template:filling={collected}")
    django_project.makeconftest(COLLECTED)

    result = run(django_project, "-n", "2")

    result.assert_outcomes(passed=10)
    assert Path(f"{collected}.resumed").read_text() == "seen"
    result.stdout.fnmatch_lines(["*-> template *_tpl_* (building while the workers start)"])
    built = re.findall(
        r"template (\S+_tpl_\w+) built in [\d.]+s \(\d+ migrations\)", result.stdout.str()
    )
    assert len(set(built)) == 1, result.stdout.str()
    result.stdout.fnmatch_lines(["*2 test database(s) cloned*migrations run in the workers: 0"])
    assert server.names(f"test_{django_base}") == set(built)


@pytest.mark.parametrize("server", ["postgresql", "sqlite"], indirect=True)
def test_a_failed_build_behind_the_workers_is_one_line_and_leaves_nothing(
    django_project: pytest.Pytester, server: Server, django_base: str
) -> None:
    (django_project.path / "shop" / "migrations" / "0003_broken.py").write_text(BROKEN)

    result = run(django_project, "-n", "2")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert "failed at migration shop.0003_broken: django.db.utils." in errors[0], errors[0]
    everything = "\n".join(result.outlines + result.errlines)
    assert "Traceback" not in everything
    assert "was not built" not in everything  # no worker met the missing template
    assert server.names(f"test_{django_base}") == set()


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_a_ctrl_c_during_the_build_behind_the_workers_leaves_nothing(
    django_project: pytest.Pytester,
    server: Server,
    django_base: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The build is held (on a file that never comes) while the workers start and collect; a
    Ctrl-C then stops the run as it stops a serial one: no traceback, no half-built database.

    The signal waits for both workers' collection: a Ctrl-C while xdist is still creating a
    worker leaves that worker's process to the garbage collector, whose ResourceWarning a strict
    project turns into an error at unconfigure (xdist's start-up, not the build)."""
    hold = django_project.path / "never"
    monkeypatch.setenv("DBFLEET_PAUSE_AT", f"template:filling={hold}")
    collected = django_project.path / "collected"
    monkeypatch.setenv("COLLECTED_FILE", str(collected))
    django_project.makeconftest(COLLECTED_EACH)
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-n", "2"],
        cwd=django_project.path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        paused = Path(f"{hold}.paused")
        deadline = time.monotonic() + 120
        while not paused.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [Path(f"{collected}-gw{index}") for index in range(2)]
        while not all(path.exists() for path in workers) and child.poll() is None:
            assert time.monotonic() < deadline, "the workers never finished collecting"
            time.sleep(0.05)
        assert paused.exists(), "the build never reached its hold"
        child.send_signal(signal.SIGINT)
        output, _ = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    text = output.decode()
    assert child.returncode == pytest.ExitCode.INTERRUPTED, text
    assert "Traceback" not in text
    assert SECRET not in text
    assert server.names(f"test_{django_base}") == set()
