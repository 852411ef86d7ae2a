"""Real runs of the example suite under xdist's policies and dbfleet's queue, on this machine.

    .venv/bin/python bench/scheduling_runs.py [--workers 2] [--repeat 3] [--url URL]

Runs examples/ledger with ``-n W`` once per policy per repeat, interleaved (so drift in machine
load spreads over all policies): ``--dist load``, ``loadfile``, ``worksteal``, and ``loadfile``
with ``--dbfleet-dist``. An untimed warm-up run first builds the template and records the
duration store the dbfleet runs plan from; every run then records into it, as in real use. Wall
time is measured around the pytest process; speedup, efficiency against the bound and idle time
come from each run's ``--dbfleet-report``. Every run must pass every test. Prints a table and
writes bench/results/scheduling_runs.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dbfleet.bench.runner import run_pytest
from dbfleet.jsonfile import write_json
from dbfleet.report.summary import summarize

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "examples" / "ledger"
RESULTS = Path(__file__).parent / "results" / "scheduling_runs.json"

POLICIES: dict[str, tuple[str, ...]] = {
    "load": ("--dist", "load"),
    "loadfile": ("--dist", "loadfile"),
    "worksteal": ("--dist", "worksteal"),
    "dbfleet": ("--dist", "loadfile", "--dbfleet-dist"),
}


def _default_url() -> str | None:
    """The local PostgreSQL when one listens, else the example's own (embedded) default."""
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", 5432)) == 0:
            return "postgresql+asyncpg://postgres@127.0.0.1:5432/ledger_sched"
    return None


def _run(args: Sequence[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    run = run_pytest(SUITE, list(args), env)
    if run.exit_code != 0:
        sys.stderr.write("\n".join(run.tail) + "\n")
        raise SystemExit(f"pytest {' '.join(args)} exited {run.exit_code}")
    return run.wall_seconds, run.report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", default=_default_url(), help="DBFLEET_URL (default: local PG)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="dbfleet-sched-runs-"))
    store = scratch / "durations.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBFLEET_", "PYTEST_"))}
    if args.url:
        env["DBFLEET_URL"] = args.url
    common = ("-n", str(args.workers), f"--dbfleet-durations={store}")
    print(f"warm-up: template and duration store ({store})", flush=True)
    _run((*common, "--dist", "loadfile"), env)

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in POLICIES}
    for repeat in range(args.repeat):
        order = list(POLICIES) if repeat % 2 == 0 else list(reversed(POLICIES))
        for name in order:
            wall, report = _run((*common, *POLICIES[name]), env)
            summary = summarize(report, args.workers)
            runs[name].append(
                {
                    "wall_seconds": round(wall, 3),
                    "pytest_wall_seconds": round(summary.wall, 3),
                    "summed_seconds": round(summary.summed, 3),
                    "bound_seconds": round(summary.bound, 3),
                    "efficiency": round(summary.efficiency, 4),
                    "speedup": round(summary.speedup, 3),
                    "idle_seconds": round(sum(load.idle for load in summary.loads), 3),
                    "totals": dict(summary.totals),
                }
            )
            print(
                f"  {name:9s} run {repeat + 1}: wall {wall:6.2f}s, "
                f"efficiency {summary.efficiency:.0%}",
                flush=True,
            )

    policies = {}
    for name, results in runs.items():
        policies[name] = {
            "pytest_args": list(POLICIES[name]),
            "wall_seconds": {
                "median": round(statistics.median(r["wall_seconds"] for r in results), 3),
                "min": min(r["wall_seconds"] for r in results),
                "max": max(r["wall_seconds"] for r in results),
            },
            "efficiency_median": round(statistics.median(r["efficiency"] for r in results), 4),
            "idle_seconds_median": round(statistics.median(r["idle_seconds"] for r in results), 3),
            "runs": results,
        }
    data = {
        "schema": "dbfleet-bench-scheduling-runs/1",
        "command": f".venv/bin/python bench/scheduling_runs.py --workers {args.workers} "
        f"--repeat {args.repeat}",
        "suite": "examples/ledger",
        "backend": (args.url or "embedded").split("://", 1)[0],
        "workers": args.workers,
        "repeat": args.repeat,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "policies": policies,
    }
    write_json(args.out, data)
    print()
    print("| policy | wall (median) | min-max | efficiency | idle (both workers) |")
    print("|---|---|---|---|---|")
    for name, result in policies.items():
        wall = result["wall_seconds"]
        print(
            f"| {name} | {wall['median']:.1f} s | {wall['min']:.1f}-{wall['max']:.1f} s | "
            f"{result['efficiency_median']:.0%} | {result['idle_seconds_median']:.1f} s |"
        )
    print(f"\n{args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
