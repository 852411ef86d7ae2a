"""Where the example's ``-n 2`` run spends its time outside the tests, cold workers against warm.

    .venv/bin/python bench/startup.py [--repeat 3] [--workers 2]

Runs the example suite (``examples/ledger``) in each configuration, interleaved, after one
untimed run per configuration that builds the template and writes the warm module list:

- ``serial``: no workers (its start-up is the reference a worker's is compared with);
- ``cold``: ``-n W`` with ``-o dbfleet_warm_workers=false``;
- ``warm``: ``-n W`` with the example's ``dbfleet_warm_workers = true``.

Each run writes a run report (``--dbfleet-report``); its ``phases`` give, per step, the median
over workers, and over runs. Wall time is measured around the process. Prints a table and writes
``bench/results/startup.json``. With ``PYTHONDONTWRITEBYTECODE`` in the environment every
process compiles and rewrites the test modules from source; the table says which was the case.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dbfleet.report.phases import START_STEPS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ledger"
RESULTS = ROOT / "bench" / "results" / "startup.json"

#: The run's own start-up steps, plus the wait before a worker's first test.
STEPS = (*START_STEPS, ("waiting for the others", "collected", "first_test"))


def _configs(workers: int) -> dict[str, list[str]]:
    parallel = ["-n", str(workers)]
    return {
        "serial": [],
        "cold": [*parallel, "-o", "dbfleet_warm_workers=false"],
        "warm": parallel,
    }


def _run(args: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dbfleet-startup-") as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        command += [f"--dbfleet-report={report}", *args]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=EXAMPLE, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0 or not report.exists():
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            sys.exit(f"startup.py: pytest {' '.join(args)} failed: {tail}")
        data = json.loads(report.read_text())
    phases = data["phases"]
    processes = list(phases["workers"].values()) or [phases["marks"]]
    launch = phases["marks"]["process"]
    steps = {}
    for label, start, end in STEPS:
        spans = [p[end] - p[start] for p in processes if start in p and end in p]
        steps[label] = round(statistics.median(spans), 3) if spans else None
    last = max(p["last_test"] for p in processes)
    marks = phases["marks"]
    return {
        "wall": round(wall, 3),
        "controller_started_workers": round(marks["workers"] - launch, 3)
        if "workers" in marks
        else None,
        "first_test": round(statistics.median(p["first_test"] - launch for p in processes), 3),
        "steps": steps,
        "after_last_test": round(wall - (last - launch), 3),
    }


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in runs if run[key] is not None]
    return round(statistics.median(values), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    configs = _configs(args.workers)
    for name, extra in configs.items():
        print(f"untimed: {name}", file=sys.stderr, flush=True)
        _run(extra)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in configs}
    for repeat in range(args.repeat):
        for name, extra in configs.items():
            runs[name].append(_run(extra))
            print(
                f"[{repeat + 1}/{args.repeat}] {name}: {runs[name][-1]['wall']:.1f}s",
                file=sys.stderr,
                flush=True,
            )
    table: dict[str, dict[str, Any]] = {}
    for name, found in runs.items():
        table[name] = {
            "wall": _median(found, "wall"),
            "controller_started_workers": _median(found, "controller_started_workers"),
            "first_test": _median(found, "first_test"),
            "after_last_test": _median(found, "after_last_test"),
            "steps": {
                label: _median([run["steps"] for run in found], label) for label, _, _ in STEPS
            },
        }
    labels = ["wall", "controller started the workers", "first test after launch"]
    labels += [label for label, _, _ in STEPS] + ["after the last test, to exit"]
    print(f"{'median seconds':32}" + "".join(f"{name:>10}" for name in configs))
    for label in labels:
        cells = []
        for name in configs:
            row = table[name]
            value = {
                "wall": row["wall"],
                "controller started the workers": row["controller_started_workers"],
                "first test after launch": row["first_test"],
                "after the last test, to exit": row["after_last_test"],
            }.get(label, row["steps"].get(label))
            cells.append(f"{value:>10.2f}" if value is not None else f"{'-':>10}")
        print(f"{label:32}" + "".join(cells))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "schema": "dbfleet-bench-startup/1",
                "command": " ".join(sys.argv),
                "workers": args.workers,
                "repeat": args.repeat,
                "dont_write_bytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "configs": table,
                "runs": runs,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"json: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
