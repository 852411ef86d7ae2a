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

from dbfleet.bench.load import Load, LoadWatch
from dbfleet.bench.probe import PLUGIN, PROBE_ENV, STARTED_ENV
from dbfleet.errors import DbfleetError
from dbfleet.report.outcomes import count

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
    #: dbfleet's run report (dbfleet's modes only): provisioning and isolation.
    report: dict[str, Any] = field(default_factory=dict)
    #: The probe's record (``bench.probe``), in the run report's format, for every mode alike:
    #: each test's worker, start and stop, timed from the command's launch.
    timeline: dict[str, Any] = field(default_factory=dict)
    #: A command's database seconds, summed from its tests' JUnit ``database_seconds``
    #: properties (None: it recorded none).
    database_seconds: float | None = None
    #: What the run cost the machine: busy cores, CPU of pytest and of the servers, iowait.
    load: Load | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "wall_seconds": round(self.wall_seconds, 3),
            "exit_code": self.exit_code,
            "totals": self.totals,
            "provisioning": self.provisioning,
            "coverage": self.coverage,
            "load": self.load.to_json() if self.load else None,
        }


def _nodeid(classname: str, name: str, root: Path) -> str:
    """pytest's nodeid back from JUnit's dotted ``classname`` (``tests.api.test_x.TestC``): the
    longest prefix that is a file under ``root`` is the module."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        if root.joinpath(*parts[:end]).with_suffix(".py").is_file():
            module = "/".join(parts[:end]) + ".py"
            return "::".join([module, *parts[end:], name])
    return f"{classname}::{name}"


def junit_outcomes(path: Path, root: Path) -> dict[str, str]:
    """Each test's outcome from a JUnit XML file, keyed by nodeid: the one record every pytest
    run can write, with dbfleet or without it."""
    import xml.etree.ElementTree as ElementTree

    try:
        tree = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise DbfleetError(f"dbfleet bench: cannot read the JUnit XML {path}: {error}") from None
    outcomes: dict[str, str] = {}
    for case in tree.iter("testcase"):
        key = _nodeid(case.get("classname", ""), case.get("name", ""), root)
        tags = {child.tag: child for child in case}
        if "error" in tags:
            outcome = "error"
        elif "failure" in tags:
            outcome = "failed"
        elif "skipped" in tags:
            xfail = tags["skipped"].get("type") == "pytest.xfail"
            outcome = "xfailed" if xfail else "skipped"
        else:
            outcome = "passed"
        outcomes[key] = outcome
    return outcomes


#: The JUnit property a command's tests may record (``record_property``) with the seconds each
#: spent on its database, for the bench's per-test database cost.
DATABASE_PROPERTY = "database_seconds"


def junit_property_sum(path: Path, name: str) -> float | None:
    """The sum of every testcase property ``name`` in a JUnit XML file; None if none has it."""
    import xml.etree.ElementTree as ElementTree

    values = [
        float(prop.get("value") or 0.0)
        for prop in ElementTree.parse(path).getroot().iter("property")
        if prop.get("name") == name
    ]
    return sum(values) if values else None


def _timed(
    command: str | list[str], path: Path, env: dict[str, str], probe: Path
) -> tuple[subprocess.CompletedProcess[str], float, list[str], dict[str, Any], Load]:
    """Run ``command`` (a string through the shell), timed around the whole process, with the
    probe loaded into any pytest it starts; with the last lines of its output, for an error
    message, the probe's timeline (empty if no pytest wrote one) and the machine's load."""
    child = dict(env)
    child["PYTEST_ADDOPTS"] = " ".join(filter(None, [env.get("PYTEST_ADDOPTS", ""), "-p", PLUGIN]))
    child[PROBE_ENV] = str(probe)
    child[STARTED_ENV] = repr(time.time())
    with LoadWatch() as watch:
        started = time.perf_counter()
        completed = subprocess.run(
            command,
            cwd=path,
            env=child,
            shell=isinstance(command, str),
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
    output = completed.stdout + completed.stderr
    tail = [line for line in output.strip().splitlines() if line.strip()][-15:]
    timeline = json.loads(probe.read_text()) if probe.exists() else {}
    return completed, wall, tail, timeline, watch.load


def run_command(path: Path, command: str, env: dict[str, str]) -> Run:
    """Run a user's own command (their ``pytest -n auto``, ``make test``) in ``path``, timed,
    with ``--junitxml`` added through ``PYTEST_ADDOPTS`` so that any pytest it starts records
    its outcomes; a command that ran no pytest is an error."""
    with tempfile.TemporaryDirectory(prefix="dbfleet-bench-") as tmp:
        junit = Path(tmp) / "junit.xml"
        child = dict(env)
        child["PYTEST_ADDOPTS"] = " ".join(
            filter(None, [env.get("PYTEST_ADDOPTS", ""), f"--junitxml={junit}"])
        )
        completed, wall, tail, timeline, load = _timed(
            command, path, child, Path(tmp) / "probe.json"
        )
        if not junit.exists():
            last = tail[-1] if tail else f"exit code {completed.returncode}"
            raise DbfleetError(
                f"dbfleet bench: `{command}` in {path} wrote no JUnit XML (is it a pytest run? "
                f"a --junitxml of its own wins over the bench's): {last}"
            )
        outcomes = junit_outcomes(junit, path)
        database_seconds = junit_property_sum(junit, DATABASE_PROPERTY)
    coverage = _COVERAGE_TOTAL.findall(completed.stdout)
    return Run(
        wall_seconds=wall,
        exit_code=completed.returncode,
        outcomes=outcomes,
        totals=count(outcomes),
        provisioning={},
        coverage=float(coverage[-1]) if coverage else None,
        tail=tail,
        timeline=timeline,
        database_seconds=database_seconds,
        load=load,
    )


def run_pytest(path: Path, args: list[str], env: dict[str, str]) -> Run:
    """Run ``pytest ARGS`` in ``path``; a session that ran no test at all is an error."""
    with tempfile.TemporaryDirectory(prefix="dbfleet-bench-") as tmp:
        report = Path(tmp) / "report.json"
        junit = Path(tmp) / "junit.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--dbfleet-report={report}",
            f"--junitxml={junit}",
            *args,
        ]
        completed, wall, tail, timeline, load = _timed(command, path, env, Path(tmp) / "probe.json")
        if not report.exists():
            last = tail[-1] if tail else f"exit code {completed.returncode}"
            raise DbfleetError(
                f"dbfleet bench: `pytest {' '.join(args)}` in {path} stopped before running "
                f"tests: {last}"
            )
        data = json.loads(report.read_text())
        # Outcomes from JUnit XML, as for a user's own command, so every mode compares alike.
        outcomes = junit_outcomes(junit, path) if junit.exists() else {}
    coverage = _COVERAGE_TOTAL.findall(completed.stdout)
    return Run(
        wall_seconds=wall,
        exit_code=completed.returncode,
        outcomes=outcomes,
        totals=data["totals"],
        provisioning=data["provisioning"],
        coverage=float(coverage[-1]) if coverage else None,
        tail=tail,
        report=data,
        timeline=timeline,
        load=load,
    )


def child_environment(embedded: bool) -> dict[str, str]:
    """The environment for every mode: the user's, minus what would leak between runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "DBFLEET_C"))}
    if embedded:
        env.pop("DBFLEET_URL", None)
    return env
