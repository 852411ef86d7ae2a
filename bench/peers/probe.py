"""A tiny pytest plugin each peer's run loads with ``-p probe``: one JSON file per process.

It writes, for the process (the controller when serial, else each xdist worker), the wall-clock
time its first test's setup ended (the database is ready: whoever provides it has done its
work), every test's setup and teardown durations from pytest's own reports, and every test's
outcome. Wall-clock (``time.time``) because the launch time it is compared with was taken in
another process, by ``run.py``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

_state: dict[str, Any] = {"first_ready": None, "tests": {}}


def _worker(config: pytest.Config) -> str:
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if hasattr(report, "node"):
        return  # an xdist controller hearing a worker's report: that worker writes it
    test = _state["tests"].setdefault(report.nodeid, {"setup": 0.0, "teardown": 0.0})
    if report.when == "setup":
        test["setup"] = report.duration
        if _state["first_ready"] is None:
            _state["first_ready"] = time.time()
    elif report.when == "teardown":
        test["teardown"] = report.duration
    # The outcome a summary would show: a failed setup or teardown is the test's error.
    if report.failed:
        test["outcome"] = "failed" if report.when == "call" else "error"
    elif report.skipped:
        test["outcome"] = "skipped"
    elif report.when == "call" and "outcome" not in test:
        test["outcome"] = "passed"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _state["tests"]:
        return  # an xdist controller, which ran no test itself
    out = os.environ.get("PEERS_OUT")
    if not out:
        return
    path = Path(out) / f"{_worker(session.config)}.json"
    path.write_text(json.dumps({"worker": _worker(session.config), **_state}))
