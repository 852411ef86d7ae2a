"""The machine's load around one timed command, from ``/proc`` and the command's rusage.

A mode that is not faster may be at the machine's limit rather than badly scheduled: both cores
busy, or the database server eating the CPU the workers would need, or the disks. So each run
records the cores busy while it ran (``/proc/stat`` before and after, and sampled in between
for the busiest moment), the CPU time of the command's processes (the reaped children's
rusage: pytest, its xdist workers, anything it waited for), the CPU time of the database
servers on this machine (every process named ``postgres``, ``mariadbd`` or ``mysqld``, the
embedded PostgreSQL's included), and the time CPUs sat idle waiting on I/O (``iowait``).

Linux only: elsewhere (no ``/proc``) the machine's figures are None and only the command's CPU
time is known. No dependency: ``psutil`` would read the same files.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The database servers' process names (``comm``); the embedded PostgreSQL runs ``postgres``.
SERVER_NAMES = ("postgres", "mariadbd", "mysqld")

#: Seconds between two samples of ``/proc/stat`` while the command runs (one small file read).
SAMPLE_SECONDS = 0.5


def _ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuTimes:
    """The first line of ``/proc/stat``: seconds since boot summed over every CPU."""

    busy: float
    idle: float
    iowait: float

    def cores_busy(self, later: CpuTimes, wall: float) -> float:
        """How many cores were busy on average between this reading and ``later``."""
        return max(later.busy - self.busy, 0.0) / wall if wall > 0 else 0.0


def parse_cpu_times(text: str, ticks: int) -> CpuTimes:
    """``cpu  user nice system idle iowait irq softirq steal guest guest_nice`` in ticks; guest
    time is already inside user and nice, so it is not added again."""
    line = next(line for line in text.splitlines() if line.startswith("cpu "))
    fields = [int(value) for value in line.split()[1:]]
    fields += [0] * (8 - len(fields))
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    busy = user + nice + system + irq + softirq + steal
    return CpuTimes(busy / ticks, idle / ticks, iowait / ticks)


def cpu_times(path: Path = Path("/proc/stat")) -> CpuTimes | None:
    """The machine's CPU times now; None where there is no ``/proc/stat``."""
    try:
        return parse_cpu_times(path.read_text(), _ticks())
    except (OSError, StopIteration, ValueError):
        return None


def process_cpu_seconds(stat: str, ticks: int) -> tuple[str, float]:
    """A ``/proc/<pid>/stat`` line's command name and CPU seconds: its own user and system
    time, and its reaped children's (a PostgreSQL backend exits with its connection, and its
    time then lands in the postmaster's ``cutime``/``cstime``)."""
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    # Fields 14-17 of proc(5), counted from the state (field 3) at index 0.
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return name, (utime + stime + cutime + cstime) / ticks


def server_cpu_seconds(
    proc: Path = Path("/proc"), names: tuple[str, ...] = SERVER_NAMES
) -> float | None:
    """CPU seconds the database servers' processes on this machine have used so far (a
    difference of two readings is what they used in between); None without ``/proc``."""
    if not (proc / "stat").exists():
        return None
    ticks = _ticks()
    total = 0.0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, seconds = process_cpu_seconds((entry / "stat").read_text(), ticks)
        except (OSError, ValueError, IndexError):
            continue  # gone since the listing, or not ours to read
        if name in names:
            total += seconds
    return total


def children_cpu_seconds() -> float:
    """User and system seconds of every child this process has reaped (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Load:
    """What one command cost the machine while it ran."""

    wall: float
    cores: int
    #: Cores busy on average over the run, and in its busiest sample (None without /proc).
    busy_cores: float | None
    peak_cores: float | None
    #: CPU seconds of the command's processes (pytest and its workers).
    pytest_cpu: float
    #: CPU seconds of the database servers on this machine while it ran.
    server_cpu: float | None
    #: Seconds CPUs sat idle waiting on I/O, summed over CPUs.
    iowait: float | None

    @property
    def cpu(self) -> float:
        """The CPU seconds the run needed: its processes' and the servers'."""
        return self.pytest_cpu + (self.server_cpu or 0.0)

    def to_json(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "cores": self.cores,
            "busy_cores": rounded(self.busy_cores),
            "peak_cores": rounded(self.peak_cores),
            "pytest_cpu_seconds": rounded(self.pytest_cpu),
            "server_cpu_seconds": rounded(self.server_cpu),
            "iowait_seconds": rounded(self.iowait),
        }


class LoadWatch:
    """Readings before and after a command, and ``/proc/stat`` every ``SAMPLE_SECONDS`` in
    between on a thread, for the busiest interval. The children's rusage covers only the
    children reaped in between, so one command runs at a time under a watch."""

    #: Set when the watch ends.
    load: Load

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._peak: float | None = None
        self._thread = threading.Thread(target=self._sample, name="dbfleet-load", daemon=True)

    def __enter__(self) -> LoadWatch:
        self._started = time.perf_counter()
        self._cpu = cpu_times()
        self._server = server_cpu_seconds()
        self._children = children_cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        wall = time.perf_counter() - self._started
        cpu, server = cpu_times(), server_cpu_seconds()
        before = self._cpu
        cores = os.cpu_count() or 1
        # Capped at the cores: over a short interval the 10 ms ticks can add up to a little
        # more than the machine has.
        self.load = Load(
            wall=wall,
            cores=cores,
            busy_cores=min(before.cores_busy(cpu, wall), float(cores)) if before and cpu else None,
            peak_cores=None if self._peak is None else min(self._peak, float(cores)),
            pytest_cpu=children_cpu_seconds() - self._children,
            server_cpu=server - self._server
            if server is not None and self._server is not None
            else None,
            iowait=max(cpu.iowait - before.iowait, 0.0) if before and cpu else None,
        )

    def _sample(self) -> None:
        last, at = self._cpu, time.perf_counter()
        while last is not None and not self._stop.wait(self.interval):
            now, when = cpu_times(), time.perf_counter()
            if now is None:
                return
            cores = last.cores_busy(now, when - at)
            self._peak = cores if self._peak is None else max(self._peak, cores)
            last, at = now, when
