"""The bench's load figures, read from this machine's real ``/proc``, and the bound they give."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dbfleet.bench.limit import Profile, bound, naive_efficiency
from dbfleet.bench.load import (
    LoadWatch,
    cpu_times,
    parse_cpu_times,
    process_cpu_seconds,
    server_cpu_seconds,
)
from dbfleet.bench.modes import MODES
from dbfleet.bench.result import BenchResult, ModeResult, render_markdown, render_terminal
from dbfleet.bench.runner import Run

linux = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc")


@linux
def test_the_machines_cpu_times_are_read_from_proc_stat() -> None:
    times = cpu_times()
    assert times is not None
    assert times.busy > 0
    assert times.idle >= 0
    assert times.iowait >= 0


def test_guest_time_is_not_counted_twice_and_iowait_is_apart() -> None:
    text = "cpu  100 20 30 400 50 6 4 10 90 0\ncpu0 1 2 3 4 5 6 7 8 9 0\nintr 1 2\n"
    times = parse_cpu_times(text, 100)
    assert times.busy == pytest.approx(1.70)  # user, nice, system, irq, softirq, steal
    assert times.idle == pytest.approx(4.00)
    assert times.iowait == pytest.approx(0.50)


@linux
def test_a_process_cpu_time_is_read_with_its_name() -> None:
    name, seconds = process_cpu_seconds(
        Path("/proc/self/stat").read_text(), os.sysconf("SC_CLK_TCK")
    )
    assert name == Path("/proc/self/comm").read_text().strip()
    assert seconds > 0  # this interpreter has imported pytest by now
    mine = server_cpu_seconds(names=(name,))
    assert mine is not None
    assert mine >= seconds


@linux
def test_a_watch_reports_busy_cores_cpu_and_iowait_of_a_command() -> None:
    with LoadWatch(interval=0.05) as watch:
        subprocess.run([sys.executable, "-c", "sum(range(3_000_000))"], check=True)
    load = watch.load
    cores = os.cpu_count() or 1
    assert load.cores == cores
    assert load.busy_cores is not None
    assert 0 <= load.busy_cores <= cores
    assert load.peak_cores is None or 0 <= load.peak_cores <= cores
    assert load.pytest_cpu > 0  # the child's rusage, reaped by subprocess.run
    assert load.server_cpu is not None
    assert load.server_cpu >= 0
    assert load.iowait is not None
    assert load.iowait >= 0
    assert set(load.to_json()) == {
        "cores",
        "busy_cores",
        "peak_cores",
        "pytest_cpu_seconds",
        "server_cpu_seconds",
        "iowait_seconds",
    }


def test_the_bound_is_the_split_or_the_cpu_whichever_is_longer() -> None:
    # 2 s outside tests, 8 s in tests, 10 s of CPU: on 2 cores the CPU is the limit at -n 4.
    cpu_heavy = Profile(wall=10.0, tests=8.0, cpu=10.0)
    assert bound(cpu_heavy, workers=4, cores=2) == pytest.approx(5.0)
    assert bound(cpu_heavy, workers=4, cores=8) == pytest.approx(4.0)
    # Server processes working beside the client (CPU above wall): a worker and its server
    # session still take turns, so two workers keep two cores busy, not eight.
    assert bound(Profile(wall=10.0, tests=10.0, cpu=16.0), workers=2, cores=8) == 8.0
    # Waiting on the server, not computing: only the split limits it.
    waiting = Profile(wall=10.0, tests=8.0, cpu=2.0)
    assert bound(waiting, workers=4, cores=2) == pytest.approx(4.0)
    assert bound(Profile(10.0, 8.0, None), workers=2, cores=2) == pytest.approx(6.0)
    assert naive_efficiency(10.0, 5.0, 4) == pytest.approx(0.5)


def _run(wall: float, busy: float, cpu: float, tests: float, workers: int) -> Run:
    from dbfleet.bench.load import Load

    timeline = {
        "started": 100.0,
        "wall_seconds": wall,
        "tests": [
            {"worker": f"gw{n}", "nodeid": f"t{n}.py::t", "start": 101.0, "duration": tests}
            for n in range(workers)
        ],
    }
    provisioning = {"mode": "clone", "template_reused": True, "database_seconds": [0.05] * workers}
    totals = {"passed": workers}
    load = Load(wall, 2, busy, busy, cpu, 1.0, 0.25)
    return Run(wall, 0, {}, totals, provisioning, None, timeline=timeline, load=load)


def test_each_parallel_mode_gets_its_serial_bound_beside_the_naive_efficiency() -> None:
    serial = ModeResult(MODES["serial"], [], [_run(10.0, 1.0, 9.0, 8.0, 1)])
    fleet = ModeResult(MODES["dbfleet"], ["-n", "4"], [_run(6.0, 2.0, 9.0, 2.0, 4)])
    machine = {"cpus": 2, "python": "3.11"}
    result = BenchResult("suite", "4", "loadfile", 1, [], machine, {}, [serial, fleet])
    assert result.limit(serial) is None
    limit = result.limit(fleet)
    # F = 10 - 8 = 2, T / N = 2, CPU (9 + 1 server) / min(4, 2) = 5: the CPU is the limit.
    assert limit == {
        "reference": "serial",
        "workers": 4,
        "cores": 2,
        "bound_seconds": 5.0,
        "efficiency": pytest.approx(5.0 / 6.0, abs=1e-3),
        "naive_efficiency": pytest.approx(10.0 / 6.0 / 4, abs=1e-3),
    }
    modes = result.to_json()["modes"]
    assert modes[1]["cpu_bound"]["bound_seconds"] == 5.0
    assert modes[1]["load"]["busy_cores"] == 2.0
    assert modes[0]["runs"][0]["load"]["server_cpu_seconds"] == 1.0
    text = render_terminal(result)
    assert "bound -n N" in text
    assert re.search(r"^dbfleet -n 4 +2\.0 \(peak 2\.0\) +9\.00s +1\.00s +0\.25s", text, re.M)
    assert re.search(r"5\.00s +83% +42%$", text, re.M)
    assert "| bound -n N | vs bound | speed-up/N |" in render_markdown(result)
