"""Run the embedded server's tests again and again while other pytest sessions keep starting.

    .venv/bin/python bench/embedded_stress.py [--rounds 20] [--every 3]

Every pytest session re-applies mode 0700 to its per-user temporary root (``pytest-of-<user>``);
as root, the embedded server runs as another user, so data kept under that root used to lose its
server's access mid-run (issue 10, case 10). This keeps a second pytest session starting every
``--every`` seconds while ``pytest -m embedded`` runs ``--rounds`` times, and counts the rounds
that failed (expected: none). Writes bench/results/embedded_stress.json. It counts outcomes, it
times nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "embedded_stress.json"


def _disturb(stop: threading.Event, every: float) -> int:
    """Start short pytest sessions until ``stop`` is set; returns how many started."""
    started = 0
    while not stop.wait(every):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "--co",
                "-p",
                "no:cacheprovider",
                "tests/test_urls.py",
            ],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        started += 1
    return started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--every", type=float, default=3.0)
    args = parser.parse_args()
    stop = threading.Event()
    counted: list[int] = []
    disturber = threading.Thread(target=lambda: counted.append(_disturb(stop, args.every)))
    disturber.start()
    failures = []
    try:
        for round_number in range(1, args.rounds + 1):
            completed = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-m", "embedded", "-p", "no:randomly"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            last = (completed.stdout.strip().splitlines() or [""])[-1]
            print(f"round {round_number:2}: exit {completed.returncode}  {last}", flush=True)
            if completed.returncode != 0:
                failures.append({"round": round_number, "tail": completed.stdout[-2000:]})
    finally:
        stop.set()
        disturber.join()
    result = {
        "rounds": args.rounds,
        "failed": len(failures),
        "other_sessions_started": counted[0] if counted else 0,
        "failures": failures,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"{args.rounds} rounds, {len(failures)} failed, "
        f"{result['other_sessions_started']} other pytest sessions started meanwhile"
    )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
