"""The shard check as a plugin object, registered only under ``--dbfleet-shard``: at the end of
the run it compares the tests that reported an outcome with the shard's plan (``shard_check``
holds the arithmetic), fails the run when a planned test never ran, and says so in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dbfleet.report.recorder import RECORDER, Recorder
from dbfleet.scheduling.shard_check import ShardRun, notes_of, problems_of

#: Where each xdist worker writes its ``ShardRun`` once it has selected its tests, so the
#: controller knows the plan even when every worker crashes later.
SHARD_DIR = pytest.StashKey[Path]()

#: What this process's shard collected and was planned to run (``_select_shard``); in an xdist
#: controller, the first worker's copy (every worker plans alike).
SHARD_RUN = pytest.StashKey[ShardRun]()


class ShardCheck:
    """Checks at the end of a ``--dbfleet-shard`` run, in the controller or serial process,
    that exactly the planned tests reported an outcome; a test lost on the way fails the run
    (exit 1) instead of leaving CI green."""

    def __init__(self, shard: tuple[int, int]) -> None:
        self.shard = shard
        self.ran: set[str] = set()
        self.lines: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.ran.add(report.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if config.option.collectonly:
            return
        planned = config.stash.get(SHARD_RUN, None) or _worker_shard_run(config)
        number, total = self.shard
        if planned is None:
            lines = [f"shard {number}/{total}: no process reported its plan; the run is unchecked"]
            failed = bool(self.ran)
        else:
            run = planned.with_ran(self.ran)
            # The Recorder (present whenever a report can be written) puts it in the report.
            recorder = config.pluginmanager.get_plugin(RECORDER)
            if isinstance(recorder, Recorder):
                recorder.record.shard = run.to_json()
            lines = problems_of(run)
            failed = bool(lines)
            if not lines and run.planned:
                lines = [f"{run.label} ran exactly its {len(run.planned)} planned tests"]
            lines += notes_of(run)
        passing = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if failed and session.exitstatus in passing:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.lines = lines

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for line in self.lines:
            terminalreporter.write_line(f"dbfleet: {line}")


def _worker_shard_run(config: pytest.Config) -> ShardRun | None:
    """In an xdist controller: the first worker's ``ShardRun`` (every worker plans alike)."""
    directory = config.stash.get(SHARD_DIR, None)
    for path in sorted(directory.glob("*.json")) if directory is not None else ():
        try:
            return ShardRun.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None
