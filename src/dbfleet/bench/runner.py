"""Run one pytest session of a mode in a child process and read what it did.

Wall time is measured here, around the whole process, because that is what CI pays; what the
run spent on databases comes from the run report the plugin writes (``--dbfleet-report``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbfleet.errors import DbfleetError

_COVERAGE_TOTAL = re.compile(r"^TOTAL\s.*?(\d+(?:\.\d+)?)%\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    """One timed pytest session."""

    wall_seconds: float
    exit_code: int
    outcomes: dict[str, str]
    totals: dict[str, int]
    provisioning: dict[str, Any]
    coverage: float | None
    tail: list[str] = field(default_factory=list)
    #: The whole run report, for callers that summarise it (``report.summary.summarize``).
    report: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "wall_seconds": round(self.wall_seconds, 3),
            "exit_code": self.exit_code,
            "totals": self.totals,
            "provisioning": self.provisioning,
            "coverage": self.coverage,
        }


def run_pytest(path: Path, args: list[str], env: dict[str, str]) -> Run:
    """Run ``pytest ARGS`` in ``path``; a session that ran no test at all is an error."""
    with tempfile.TemporaryDirectory(prefix="dbfleet-bench-") as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--dbfleet-report={report}",
            *args,
        ]
        started = time.perf_counter()
        completed = subprocess.run(
            command, cwd=path, env=env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - started
        output = completed.stdout + completed.stderr
        tail = [line for line in output.strip().splitlines() if line.strip()][-15:]
        if not report.exists():
            last = tail[-1] if tail else f"exit code {completed.returncode}"
            raise DbfleetError(
                f"dbfleet bench: `pytest {' '.join(args)}` in {path} stopped before running "
                f"tests: {last}"
            )
        data = json.loads(report.read_text())
    coverage = _COVERAGE_TOTAL.findall(completed.stdout)
    return Run(
        wall_seconds=wall,
        exit_code=completed.returncode,
        outcomes={test["nodeid"]: test["outcome"] for test in data["tests"]},
        totals=data["totals"],
        provisioning=data["provisioning"],
        coverage=float(coverage[-1]) if coverage else None,
        tail=tail,
        report=data,
    )


def child_environment(embedded: bool) -> dict[str, str]:
    """The environment for every mode: the user's, minus what would leak between runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "DBFLEET_C"))}
    if embedded:
        env.pop("DBFLEET_URL", None)
    return env
