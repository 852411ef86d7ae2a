"""The wall time a perfect ``-n N`` could reach, given what the serial run spent where.

``speed-up / N`` (the naive efficiency) blames the scheduler for what the machine cannot give:
on two cores with the database server on the same machine, ``-n 4`` is never four times faster.
This bound takes the serial run's profile instead:

    bound(N) = max(F + T / N, C / min(N, cores))

- ``T``: serial's seconds inside tests (each test's set-up, call and teardown, summed); a
  perfect split gives each of the N workers ``T / N`` of it.
- ``F = W - T``: serial's wall time ``W`` outside any test (interpreter start, plugins,
  conftests, collection, provisioning, the session's end and the exit). Every worker pays it
  again, at the same time as the others, so no split ends sooner than ``F + T / N``.
- ``C``: serial's CPU seconds, its pytest processes' and the database servers' on this machine.
  A worker's work is sequential (it waits for the server's answer before going on), so N
  workers keep at most ``min(N, cores)`` cores busy, and ``C`` takes at least
  ``C / min(N, cores)``.

Efficiency against the bound is ``bound / wall``: 100% is a run that reached what this machine
allows. It can exceed 100% when the parallel mode does less work than serial did (a template
reused where serial built it), which the bound cannot know.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """What a serial run spent: wall seconds, seconds inside tests, CPU seconds (None: not
    measured, off Linux)."""

    wall: float
    tests: float
    cpu: float | None

    @property
    def outside_tests(self) -> float:
        return max(self.wall - self.tests, 0.0)


def bound(profile: Profile, workers: int, cores: int) -> float:
    """The shortest wall time ``-n workers`` could take on ``cores`` cores (formula above)."""
    workers, cores = max(workers, 1), max(cores, 1)
    split = profile.outside_tests + min(profile.tests, profile.wall) / workers
    if profile.cpu is None:
        return split
    return max(split, profile.cpu / min(workers, cores))


def naive_efficiency(serial_wall: float, wall: float, workers: int) -> float:
    """Speed-up over serial divided by the workers: what "N workers, N times faster" expects."""
    return serial_wall / wall / max(workers, 1) if wall > 0 else 0.0
