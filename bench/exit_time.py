"""How long a run takes after its last test, with dbfleet's frozen heap and fast exit on and off.

    .venv/bin/python bench/exit_time.py [--objects 1000000] [--tests 200] [--repeat 3]
                                        [--workers 2] [--url URL] [--with-failure]

Generates, in a temporary folder, a stand-in for a large application: its conftest imports a
module that builds ``--objects`` small objects in reference cycles, each held by a
``WeakValueDictionary`` as an app's caches and registries are, and ``--tests`` tests that each
write and read a row of a dbfleet database (SQLite by default; ``--url`` for a server), plus
``tests/test_one.py``, the file a developer reruns in the inner loop. dbfleet is active through
the ini file. Every run goes through each mode (serial, ``-n W``, the one file) under each
setting (``dbfleet_gc_freeze`` / ``dbfleet_fast_exit`` both off, each alone, both on),
interleaved, after one untimed run that builds the template.

A tiny plugin in the project's conftest appends ``time.time()`` when the first test starts and
at every test's last report (in the process that reports: the serial one, or the controller), so
each run splits into the time before the first test, the tests, and the time from the last
report until the process had exited, measured by this script around the process. With
``--with-failure`` ``tests/test_one.py`` also holds a failing test: every mode must then exit 1
under every setting. The outcomes of each mode must be the same under every setting. Prints a
table and writes ``bench/results/exit_time.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dbfleet.jsonfile import write_json

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "exit_time.json"

#: Each setting's switches, as the command line gives them (the ini file leaves both on).
SETTINGS: dict[str, tuple[str, ...]] = {
    "off": ("--dbfleet-gc-freeze=off", "--dbfleet-fast-exit=off"),
    "gc freeze": ("--dbfleet-gc-freeze=on", "--dbfleet-fast-exit=off"),
    "fast exit": ("--dbfleet-gc-freeze=off", "--dbfleet-fast-exit=on"),
    "on": ("--dbfleet-gc-freeze=on", "--dbfleet-fast-exit=on"),
}

#: The file the conftest's plugin appends its timestamps to, named by the environment.
MARKS_ENV = "EXIT_BENCH_MARKS"

HEAVY = '''"""The application's long-lived objects: {objects:,} nodes in two-node reference cycles,
every one registered by a weak reference, alive from import to exit."""

import weakref


class Node:
    __slots__ = ("__weakref__", "data", "peer")

    def __init__(self, index):
        self.data = [index]
        self.peer = None


REGISTRY = weakref.WeakValueDictionary()
NODES = []
for index in range(0, {objects}, 2):
    first, second = Node(index), Node(index + 1)
    first.peer, second.peer = second, first
    NODES.append(first)
    REGISTRY[index] = first
    REGISTRY[index + 1] = second
'''

CONFTEST = """import os
import time

import heavy  # the application, imported as a big suite's conftest imports it

MARKS = os.environ.get("{marks_env}")
_started = []


def _mark(line):
    if MARKS and "PYTEST_XDIST_WORKER" not in os.environ:
        with open(MARKS, "a") as handle:
            handle.write(line + "\\n")


def pytest_runtest_logstart(nodeid, location):
    if not _started:
        _started.append(nodeid)
        _mark(f"start {{time.time()!r}}")


def pytest_runtest_logreport(report):
    failed = report.failed and report.when != "call"
    if report.when == "teardown" or failed:
        outcome = "error" if failed else ""
        _mark(f"report {{time.time()!r}} {{outcome}} {{report.nodeid}}")
    elif report.when == "call" or report.skipped:
        outcome = "xfailed" if hasattr(report, "wasxfail") and report.skipped else report.outcome
        _mark(f"outcome {{time.time()!r}} {{outcome}} {{report.nodeid}}")
"""

TEST_FILE = """from sqlalchemy import text


"""

TEST = """def test_row_{index}(dbfleet_connection):
    dbfleet_connection.execute(text("INSERT INTO item (name) VALUES ('row {index}')"))
    found = dbfleet_connection.execute(text("SELECT count(*) FROM item WHERE name = 'row {index}'"))
    assert found.scalar() >= 1


"""

XFAIL = """import pytest


@pytest.mark.xfail(reason="a known bug, as every large suite has", strict=True)
def test_known_bug(dbfleet_connection):
    assert dbfleet_connection.execute(text("SELECT count(*) FROM item")).scalar() < 0


"""

FAILURE = """def test_that_fails(dbfleet_connection):
    assert dbfleet_connection.execute(text("SELECT 1")).scalar() == 2
"""

SCHEMA = "CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n"
SCHEMA_SERIAL = "CREATE TABLE item (id serial PRIMARY KEY, name varchar(100) NOT NULL);\n"
SCHEMA_AUTO = "CREATE TABLE item (id INTEGER AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100));\n"


def generate(folder: Path, url: str, objects: int, tests: int, with_failure: bool) -> None:
    """The stand-in project: the heavy module, the conftest, ``tests`` database tests in files
    of 20 plus ``tests/test_one.py`` (one test, and a failing one with ``with_failure``)."""
    (folder / "tests").mkdir(parents=True)
    (folder / "heavy.py").write_text(HEAVY.format(objects=objects))
    (folder / "tests" / "conftest.py").write_text(CONFTEST.format(marks_env=MARKS_ENV))
    kind = url.split(":", 1)[0].split("+", 1)[0]
    schema = {"postgresql": SCHEMA_SERIAL, "mysql": SCHEMA_AUTO}.get(kind, SCHEMA)
    (folder / "schema.sql").write_text(schema)
    (folder / "pytest.ini").write_text(
        "[pytest]\n"
        "pythonpath = .\n"
        "testpaths = tests\n"
        "addopts = -p no:cacheprovider -p no:randomly\n"
        "xfail_strict = true\n"
        f"dbfleet_url = {url}\n"
        "dbfleet_migrate = sql:schema.sql\n"
        "dbfleet_isolation = rollback\n"
    )
    for start in range(0, tests, 20):
        body = "".join(TEST.format(index=i) for i in range(start, min(start + 20, tests)))
        name = f"test_bulk_{start // 20:03d}.py"
        (folder / "tests" / name).write_text((TEST_FILE + body).rstrip() + "\n")
    one = TEST_FILE + XFAIL + TEST.format(index="one") + (FAILURE if with_failure else "")
    (folder / "tests" / "test_one.py").write_text(one.rstrip() + "\n")


def _modes(workers: int) -> dict[str, tuple[str, ...]]:
    return {
        "serial": (),
        f"-n {workers}": ("-n", str(workers)),
        "one file": ("tests/test_one.py",),
    }


def _read_marks(path: Path) -> tuple[float | None, float | None, dict[str, str]]:
    """The first test's start, the last report's time, and each test's outcome."""
    first: float | None = None
    last: float | None = None
    outcomes: dict[str, str] = {}
    if not path.exists():
        return first, last, outcomes
    for line in path.read_text().splitlines():
        kind, moment, *rest = line.split(" ", 3)
        if kind == "start":
            first = float(moment)
            continue
        last = max(last or 0.0, float(moment))
        outcome, nodeid = rest
        if outcome:
            outcomes[nodeid] = outcome
    return first, last, outcomes


def run_once(project: Path, env: dict[str, str], args: Sequence[str]) -> dict[str, Any]:
    """One pytest process, timed from just before it is started until it has exited."""
    with tempfile.TemporaryDirectory(prefix="dbfleet-exit-marks-") as tmp:
        marks = Path(tmp) / "marks.txt"
        child = {**env, MARKS_ENV: str(marks)}
        command = [sys.executable, "-m", "pytest", "-q", *args]
        launched = time.time()
        done = subprocess.run(
            command, cwd=project, env=child, capture_output=True, text=True, check=False
        )
        exited = time.time()
        first, last, outcomes = _read_marks(marks)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return {
        "exit_status": done.returncode,
        "wall": round(exited - launched, 3),
        "before_first_test": round(first - launched, 3) if first else None,
        "tests": round(last - first, 3) if first and last else None,
        "after_last_test": round(exited - last, 3) if last else None,
        "summary": lines[-1] if lines else done.stderr.strip()[-300:],
        "outcomes": outcomes,
    }


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in runs if run[key] is not None]
    return round(statistics.median(values), 3) if values else None


def _environment() -> dict[str, str]:
    """This process's environment without what would steer the inner runs (a DBFLEET_URL, a
    PYTEST_ADDOPTS, a coverage measurement, which makes the fast exit stand down)."""
    drop = ("DBFLEET_", "PYTEST_", "COV_CORE_", "COVERAGE_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--url", help="dbfleet_url (default: a SQLite file in the generated project)"
    )
    parser.add_argument(
        "--settings",
        default=",".join(SETTINGS),
        help=f"which of {', '.join(SETTINGS)} to run (comma-separated)",
    )
    parser.add_argument(
        "--with-failure", action="store_true", help="add a failing test: every run must exit 1"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    settings = {name: SETTINGS[name] for name in args.settings.split(",")}
    modes = _modes(args.workers)
    expected_status = 1 if args.with_failure else 0

    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        mode: {name: [] for name in settings} for mode in modes
    }
    with tempfile.TemporaryDirectory(prefix="dbfleet-exit-bench-") as tmp:
        project = Path(tmp) / "app"
        url = args.url or f"sqlite:///{project / 'exit_bench.db'}"
        generate(project, url, args.objects, args.tests, args.with_failure)
        env = _environment()
        print(f"project: {args.objects:,} objects, {args.tests} tests, {url.split(':')[0]}")
        print("untimed: the template", file=sys.stderr, flush=True)
        run_once(project, env, ("tests/test_one.py",))
        for repeat in range(args.repeat):
            for mode, mode_args in modes.items():
                order = list(settings) if repeat % 2 == 0 else list(reversed(settings))
                for name in order:
                    result = run_once(project, env, (*mode_args, *settings[name]))
                    runs[mode][name].append(result)
                    after = result["after_last_test"]
                    print(
                        f"[{repeat + 1}/{args.repeat}] {mode:9} {name:9} "
                        f"wall {result['wall']:6.2f}s  after last test "
                        f"{after if after is not None else '-'}s  exit {result['exit_status']}",
                        file=sys.stderr,
                        flush=True,
                    )
        if args.url:
            _drop(project, env)  # a SQLite file goes with the folder

    table: dict[str, dict[str, dict[str, Any]]] = {}
    problems: list[str] = []
    for mode, by_setting in runs.items():
        table[mode] = {}
        baseline = by_setting[next(iter(settings))][0]["outcomes"]
        for name, found in by_setting.items():
            statuses = sorted({run["exit_status"] for run in found})
            same = all(run["outcomes"] == baseline for run in found)
            if statuses != [expected_status]:
                problems.append(f"{mode}, {name}: exit status {statuses}, not {expected_status}")
            if not same or not baseline:
                problems.append(f"{mode}, {name}: outcomes differ from the first setting's")
            table[mode][name] = {
                "wall": _median(found, "wall"),
                "before_first_test": _median(found, "before_first_test"),
                "tests": _median(found, "tests"),
                "after_last_test": _median(found, "after_last_test"),
                "exit_status": statuses,
                "outcomes": _count(found[-1]["outcomes"]),
                "summary": found[-1]["summary"],
            }
    data = {
        "schema": "dbfleet-bench-exit-time/1",
        "command": "python bench/exit_time.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "objects": args.objects,
        "tests": args.tests,
        "workers": args.workers,
        "repeat": args.repeat,
        "with_failure": args.with_failure,
        "backend": (args.url or "sqlite").split(":", 1)[0],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {name: list(flags) for name, flags in settings.items()},
        "modes": table,
        "expected_exit_status": expected_status,
        "problems": problems,
        "runs": runs,
    }
    write_json(args.out, data)
    _print(table, settings)
    for problem in problems:
        print(f"problem: {problem}")
    print(f"json: {args.out}")
    return 1 if problems else 0


def _count(outcomes: dict[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return dict(sorted(counts.items()))


def _drop(project: Path, env: dict[str, str]) -> None:
    """What the runs left on the server: the template and any worker database."""
    subprocess.run(
        [sys.executable, "-m", "dbfleet.cli", "drop", "--templates"],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
    )


def _print(table: dict[str, dict[str, dict[str, Any]]], settings: dict[str, Any]) -> None:
    print()
    print("| mode | setting | wall s | before first test s | tests s | after last test s | exit |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for mode, by_setting in table.items():
        for name in settings:
            row = by_setting[name]
            cells = [
                f"{row[key]:.2f}" if row[key] is not None else "-"
                for key in ("wall", "before_first_test", "tests", "after_last_test")
            ]
            status = ",".join(map(str, row["exit_status"]))
            print(f"| {mode} | {name} | {' | '.join(cells)} | {status} |")


if __name__ == "__main__":
    sys.exit(main())
