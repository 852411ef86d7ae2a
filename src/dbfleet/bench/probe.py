"""The bench's recorder, loaded into every mode's pytest with ``-p dbfleet.bench.probe``.

Every mode gets the same timeline this way -- the user's own command and a ``-p no:dbfleet`` run
as much as dbfleet's -- so the comparison page draws each from one record, and each worker's
time to its first test is measured alike. It records, in the controller (or the serial
process), each test's worker, start and stop as they arrive, and writes them in the run
report's format (``report.record``) to the file ``DBFLEET_BENCH_PROBE`` names, timed from the
moment the bench started the command (``DBFLEET_BENCH_STARTED``), so start-up is in the picture.

Without ``DBFLEET_BENCH_PROBE`` it does nothing, so a worker or a nested pytest that inherits
``PYTEST_ADDOPTS`` is unaffected. It imports nothing heavier than pytest.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dbfleet.jsonfile import write_json
from dbfleet.report.record import RunRecord

PROBE_ENV = "DBFLEET_BENCH_PROBE"
STARTED_ENV = "DBFLEET_BENCH_STARTED"
#: ``-p`` value that loads this module.
PLUGIN = "dbfleet.bench.probe"


class Probe:
    def __init__(self, path: Path, started: float) -> None:
        self.path = path
        self.record = RunRecord(started=started)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.record.add_report(report, "master")

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self) -> None:
        write_json(self.path, self.record.to_json(time.time()))


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(PROBE_ENV)
    if not path or hasattr(config, "workerinput"):
        return
    try:
        started = float(os.environ.get(STARTED_ENV, ""))
    except ValueError:
        started = time.time()
    # Only the outermost session records: a pytest that the suite itself runs (pytester, a
    # subprocess) must not overwrite the bench's file.
    os.environ.pop(PROBE_ENV, None)
    config.pluginmanager.register(Probe(Path(path), started), "dbfleet-bench-probe")
