"""The duration store: what tests, units and workers cost, across runs, CI shards and machines.

Values are kept in *serial-equivalent* seconds (see :class:`Conditions`) and smoothed across runs
(see :data:`SMOOTHING`). This module does no I/O: ``duration_file`` saves the store as stable
JSON that parallel processes update under a file lock. The store is immutable: recording a run or
merging shards returns a new store, so one run's scheduler never sees another run's half-applied
update.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, field, fields, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from dbfleet.errors import DbfleetError

SCHEMA = "dbfleet-durations/1"

#: Weight of the newest run in the moving average. 0.3 absorbs two thirds of a real change
#: (a test that got slower) within three runs, while one outlier run (a noisy CI neighbour)
#: moves an estimate by only 30% of its deviation.
SMOOTHING = 0.3

#: Estimate for a test when nothing at all is recorded: a typical database test. With an empty
#: store every test gets it, so it sets the predicted seconds shown, not the order.
DEFAULT_TEST_SECONDS = 0.2

_DIGITS = 6


class DurationsError(DbfleetError):
    """The durations file cannot be read, written or locked, or is not a durations file."""


@dataclass(frozen=True)
class Conditions:
    """What a measurement was taken under: the run's worker count, the CPUs, the machine load.

    Durations recorded under ``-n 8`` on 2 CPUs are inflated by CPU contention, and a team
    whose shards were planned from such numbers got worse balance than with none: the files
    recorded in crowded runs looked long. So every value is divided by :attr:`contention`
    before it is stored. With ``d`` runnable processes on ``c`` CPUs and ``d > c``, each gets
    ``c / d`` of a CPU, so CPU-bound work takes ``d / c`` times its serial time; with
    ``d <= c`` it is not slowed. ``d`` is the run's workers, or the measured load average when
    that is higher (other jobs share the machine). For I/O-bound tests this over-corrects
    (waiting is not slowed by contention), which only makes them look shorter than they are:
    the dynamic queue absorbs that, while the inflation it removes was systematic.
    """

    workers: int = 1
    cpus: int = 1
    load: float | None = None

    @property
    def contention(self) -> float:
        demand = max(float(self.workers), self.load or 0.0)
        return max(1.0, demand / max(self.cpus, 1))

    @classmethod
    def current(cls, workers: int) -> Conditions:
        """This machine now: its CPU count and one-minute load average (where the OS has one)."""
        try:
            load: float | None = os.getloadavg()[0]
        except (AttributeError, OSError):
            load = None
        return cls(workers=workers, cpus=os.cpu_count() or 1, load=load)


@dataclass(frozen=True)
class Phases:
    """One test's seconds in each phase, its scoped fixtures excluded (they are its unit's)."""

    setup: float
    call: float
    teardown: float

    @property
    def total(self) -> float:
        return self.setup + self.call + self.teardown


@dataclass(frozen=True)
class UnitTiming:
    """A file's or class's seconds on one worker, and the part of them its scoped fixtures take.

    ``overhead`` is paid again by every worker that runs any of the unit's tests: it is the
    price of cutting the unit.
    """

    seconds: float
    overhead: float


@dataclass(frozen=True)
class WorkerTiming:
    """What every worker pays before its first test: start, collection, its database."""

    start: float
    collection: float
    provisioning: float

    @property
    def total(self) -> float:
        return self.start + self.collection + self.provisioning


T = TypeVar("T", Phases, UnitTiming, WorkerTiming)


@dataclass(frozen=True)
class Measured(Generic[T]):
    """A smoothed timing in serial-equivalent seconds, with how and when it was last measured."""

    timing: T
    runs: int = 1
    at: float = 0.0
    under: Conditions = field(default_factory=Conditions)

    def rank(self) -> tuple[Any, ...]:
        """A total order on measurements: more runs, then later, then the values themselves."""
        under = self.under
        load = (under.load is not None, under.load or 0.0)
        return (self.runs, self.at, astuple(self.timing), under.workers, under.cpus, load)


@dataclass(frozen=True)
class Recording:
    """One run's raw measurements, in wall seconds as measured under ``under``."""

    under: Conditions
    at: float
    tests: Mapping[str, Phases] = field(default_factory=dict)
    units: Mapping[str, UnitTiming] = field(default_factory=dict)
    worker: WorkerTiming | None = None


def _scaled(timing: T, factor: float) -> T:
    changes = {f.name: round(getattr(timing, f.name) / factor, _DIGITS) for f in fields(timing)}
    return replace(timing, **changes)


def _blended(old: T, new: T, alpha: float) -> T:
    changes = {
        f.name: round((1 - alpha) * getattr(old, f.name) + alpha * getattr(new, f.name), _DIGITS)
        for f in fields(old)
    }
    return replace(old, **changes)


def _observe(old: Measured[T] | None, raw: T, recording: Recording, alpha: float) -> Measured[T]:
    normalised = _scaled(raw, recording.under.contention)
    if old is None:
        return Measured(normalised, 1, recording.at, recording.under)
    return Measured(
        _blended(old.timing, normalised, alpha), old.runs + 1, recording.at, recording.under
    )


@dataclass(frozen=True)
class DurationStore:
    """Recorded durations: per test, per unit (file ``a.py`` or class ``a.py::C``), per worker."""

    tests: Mapping[str, Measured[Phases]] = field(default_factory=dict)
    units: Mapping[str, Measured[UnitTiming]] = field(default_factory=dict)
    worker: Measured[WorkerTiming] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tests", MappingProxyType(dict(sorted(self.tests.items()))))
        object.__setattr__(self, "units", MappingProxyType(dict(sorted(self.units.items()))))

    def record(self, recording: Recording, alpha: float = SMOOTHING) -> DurationStore:
        """This store with one run folded in: normalised, then averaged with what was known."""
        if not 0.0 < alpha <= 1.0:
            raise ValueError("alpha must be in (0, 1]")
        tests = dict(self.tests)
        for nodeid, phases in recording.tests.items():
            tests[nodeid] = _observe(self.tests.get(nodeid), phases, recording, alpha)
        units = dict(self.units)
        for unit, timing in recording.units.items():
            units[unit] = _observe(self.units.get(unit), timing, recording, alpha)
        worker = self.worker
        if recording.worker is not None:
            worker = _observe(self.worker, recording.worker, recording, alpha)
        return DurationStore(tests, units, worker)

    # Estimates (the ``Estimates`` protocol of ``units.py``).

    def test_seconds(self, nodeid: str) -> float:
        """Known: its smoothed total. Unknown: the median of its file's known tests, else of the
        suite's, else :data:`DEFAULT_TEST_SECONDS` (a new test resembles its neighbours)."""
        known = self.tests.get(nodeid)
        if known is not None:
            return known.timing.total
        in_file = self._by_file.get(nodeid.partition("::")[0])
        if in_file:
            return statistics.median(in_file)
        return self._suite_median

    def unit_overhead(self, scope: str) -> float:
        """Known: its smoothed fixture cost. Unknown: the median of known files' (or classes')."""
        known = self.units.get(scope)
        if known is not None:
            return known.timing.overhead
        peers = self._overheads[_is_class(scope)]
        return statistics.median(peers) if peers else 0.0

    @property
    def worker_seconds(self) -> float:
        """Each worker's fixed cost before its first test; 0 when never recorded."""
        return self.worker.timing.total if self.worker else 0.0

    @cached_property
    def _by_file(self) -> dict[str, list[float]]:
        by_file: dict[str, list[float]] = {}
        for nodeid, measured in self.tests.items():
            by_file.setdefault(nodeid.partition("::")[0], []).append(measured.timing.total)
        return by_file

    @cached_property
    def _suite_median(self) -> float:
        totals = [measured.timing.total for measured in self.tests.values()]
        return statistics.median(totals) if totals else DEFAULT_TEST_SECONDS

    @cached_property
    def _overheads(self) -> dict[bool, list[float]]:
        peers: dict[bool, list[float]] = {False: [], True: []}
        for scope, measured in self.units.items():
            peers[_is_class(scope)].append(measured.timing.overhead)
        return peers

    # JSON.

    def to_json(self) -> dict[str, Any]:
        """Plain data with every key sorted, so equal stores are equal files (and clean diffs)."""
        return {
            "schema": SCHEMA,
            "tests": {nodeid: _measured_json(m) for nodeid, m in self.tests.items()},
            "units": {unit: _measured_json(m) for unit, m in self.units.items()},
            "worker": None if self.worker is None else _measured_json(self.worker),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DurationStore:
        if data.get("schema") != SCHEMA:
            raise DurationsError(
                f"the durations file has schema {data.get('schema')!r}, this dbfleet reads"
                f" {SCHEMA!r}; delete the file to start recording afresh"
            )
        try:
            worker = data.get("worker")
            return cls(
                tests={k: _measured(Phases, v) for k, v in data["tests"].items()},
                units={k: _measured(UnitTiming, v) for k, v in data["units"].items()},
                worker=None if worker is None else _measured(WorkerTiming, worker),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DurationsError(
                f"the durations file is malformed ({error!r}); delete it to start afresh"
            ) from error


def _is_class(scope: str) -> bool:
    return "::" in scope


def _measured_json(measured: Measured[T]) -> dict[str, Any]:
    timing = {f.name: getattr(measured.timing, f.name) for f in fields(measured.timing)}
    under = measured.under
    return dict(
        sorted(
            {
                **timing,
                "at": measured.at,
                "runs": measured.runs,
                "under": {"cpus": under.cpus, "load": under.load, "workers": under.workers},
            }.items()
        )
    )


def _measured(kind: type[T], data: Mapping[str, Any]) -> Measured[T]:
    timing = kind(**{f.name: float(data[f.name]) for f in fields(kind)})
    under = data["under"]
    load = under["load"]
    return Measured(
        timing=timing,
        runs=int(data["runs"]),
        at=float(data["at"]),
        under=Conditions(
            workers=int(under["workers"]),
            cpus=int(under["cpus"]),
            load=None if load is None else float(load),
        ),
    )


K = TypeVar("K")


def _join(left: Mapping[str, K], right: Mapping[str, K], rank: Callable[[K], Any]) -> dict[str, K]:
    joined = dict(left)
    for key, value in right.items():
        if key not in joined or rank(value) > rank(joined[key]):
            joined[key] = value
    return joined


def merge(*stores: DurationStore) -> DurationStore:
    """One store from several, e.g. each CI shard's, in any order and any grouping.

    Per entry, the measurement with the most runs wins (then the latest, then the larger
    values): a join, so merging is associative, commutative and idempotent, and merging a
    shard's file twice or in a different order changes nothing. Entries are not averaged:
    every shard starts from the same cached store, so averaging would count that shared
    history once per shard; a test measured by two shards in the same run keeps one of the two.
    """
    tests: dict[str, Measured[Phases]] = {}
    units: dict[str, Measured[UnitTiming]] = {}
    worker: Measured[WorkerTiming] | None = None
    for store in stores:
        tests = _join(tests, store.tests, Measured.rank)
        units = _join(units, store.units, Measured.rank)
        if store.worker is not None and (worker is None or store.worker.rank() > worker.rank()):
            worker = store.worker
    return DurationStore(tests, units, worker)


def separate_overhead(phases: Sequence[Phases]) -> tuple[float, tuple[Phases, ...]]:
    """Split a unit's scoped-fixture cost out of its tests' phases, as pytest reported them.

    pytest charges a module fixture to the setup of the unit's first test and its teardown to
    the last test's teardown. The excess of those over the median of the unit's other tests is
    the unit's overhead; the first and last tests keep only the median. A one-test unit has
    nothing to compare with and keeps everything (it is never cut, so it does not matter).
    """
    if len(phases) < 2:
        return 0.0, tuple(phases)
    adjusted = list(phases)
    setups = statistics.median(p.setup for p in phases[1:])
    teardowns = statistics.median(p.teardown for p in phases[:-1])
    overhead = max(0.0, phases[0].setup - setups) + max(0.0, phases[-1].teardown - teardowns)
    adjusted[0] = replace(adjusted[0], setup=min(phases[0].setup, setups))
    adjusted[-1] = replace(adjusted[-1], teardown=min(phases[-1].teardown, teardowns))
    return overhead, tuple(adjusted)


@dataclass(frozen=True)
class PhaseReport:
    """One phase of one test as a run reported it: what :func:`recording_of` is built from.

    ``ran`` says the phase ran to an end (passed or failed, an xfail included); a skip is not a
    measurement of the test, and recording one made a skipped test look ever shorter.
    """

    nodeid: str
    worker: str
    when: str
    seconds: float
    start: float
    ran: bool = True


def recording_of(
    reports: Iterable[PhaseReport],
    under: Conditions,
    at: float,
    *,
    worker: WorkerTiming | None = None,
) -> Recording:
    """A run's recording: every test's phases, every file's seconds and fixture overhead.

    A file's overhead is separated per worker (each worker that ran some of it paid its module
    fixtures once, in the setup of its first test there) and the largest is kept; its seconds
    are the summed raw totals of its tests on all workers. Phases other than setup, call and
    teardown (a crashed worker's report) are ignored, and so is every test whose call did not
    run to an end (skipped, or its setup failed): its few milliseconds say nothing about what
    it costs when it runs, and averaging them in decayed its estimate run after run.
    """
    reports = list(reports)
    measured = {r.nodeid for r in reports if r.when == "call" and r.ran}
    phases: dict[str, dict[str, float]] = {}
    first: dict[str, tuple[float, str]] = {}
    for report in reports:
        if report.when not in ("setup", "call", "teardown") or report.nodeid not in measured:
            continue
        seen = phases.setdefault(report.nodeid, {"setup": 0.0, "call": 0.0, "teardown": 0.0})
        seen[report.when] += max(report.seconds, 0.0)
        if report.nodeid not in first or report.start < first[report.nodeid][0]:
            first[report.nodeid] = (report.start, report.worker)
    raw = {nodeid: Phases(**seen) for nodeid, seen in phases.items()}
    runs: dict[tuple[str, str], list[str]] = {}
    for nodeid in sorted(raw, key=lambda n: first[n]):
        runs.setdefault((nodeid.partition("::")[0], first[nodeid][1]), []).append(nodeid)
    tests: dict[str, Phases] = {}
    overheads: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for (path, _worker), nodeids in runs.items():
        overhead, adjusted = separate_overhead([raw[nodeid] for nodeid in nodeids])
        tests.update(zip(nodeids, adjusted, strict=True))
        overheads[path] = max(overheads.get(path, 0.0), overhead)
        seconds[path] = seconds.get(path, 0.0) + sum(raw[nodeid].total for nodeid in nodeids)
    units = {path: UnitTiming(seconds[path], overheads[path]) for path in seconds}
    return Recording(under=under, at=at, tests=tests, units=units, worker=worker)
