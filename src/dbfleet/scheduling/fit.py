"""Don't parallelise what is too small: the worker count the recorded durations say is fastest.

Starting xdist workers costs seconds (``WorkerTiming``, recorded from every parallel run's
phases); a selection whose tests take less than that runs faster without workers. The estimate
for ``k`` workers is ``start + max(summed / k, longest file)`` and, for no workers at all, the
summed time: the process's own start is paid either way.

Two uses. After collection the controller knows the exact selection and says in one line when
fewer workers would have been faster (``verdict``). Before any worker starts, under ``-n auto``
with ``--dbfleet-fit-workers``, the selection is estimated from the duration store's nodeids,
the command line's paths and ``-k`` (``predicted_selection``), and xdist is told the fastest
count through ``pytest_xdist_auto_num_workers``; a run with ``-m`` (markers are unknown before
collection) or without recorded durations keeps xdist's own count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from dbfleet.scheduling.durations import DurationStore


@dataclass(frozen=True)
class Fit:
    tests: int
    summed: float
    start: float
    best: int
    seconds: dict[int, float]

    def line(self, workers: int) -> str | None:
        """One line when ``workers`` is clearly slower than the best count, else None."""
        here, best = self.seconds.get(workers), self.seconds[self.best]
        if here is None or self.best == workers or here - best < max(1.0, 0.2 * here):
            return None
        choice = "-n 0 (no workers)" if self.best == 0 else f"-n {self.best}"
        return (
            f"dbfleet: the {self.tests} selected test(s) take {self.summed:.2f}s by the recorded "
            f"durations and a worker takes {self.start:.2f}s to start: {choice} would be "
            f"fastest (about {best:.1f}s of tests and start-up, against {here:.1f}s at "
            f"-n {workers}); with -n auto, --dbfleet-fit-workers picks it"
        )


def fit(store: DurationStore, nodeids: Sequence[str], most: int) -> Fit | None:
    """The estimates for 0 and 2..``most`` workers, or None when the store knows none of the
    tests or has never seen a worker start."""
    known = [nodeid for nodeid in nodeids if nodeid in store.tests]
    if not known or store.worker is None or most < 1:
        return None
    by_file: dict[str, float] = {}
    for nodeid in nodeids:
        file = nodeid.partition("::")[0]
        by_file[file] = by_file.get(file, 0.0) + store.test_seconds(nodeid)
    summed = sum(by_file.values())
    longest = max(by_file.values(), default=0.0)
    start = store.worker_seconds
    seconds = {0: summed}
    for count in range(2, most + 1):
        seconds[count] = start + max(summed / count, longest)
    if most == 1:
        seconds[1] = start + summed
    best = min(seconds, key=lambda count: (seconds[count], count))
    return Fit(len(nodeids), summed, start, best, seconds)


def predicted_selection(
    store: DurationStore, paths: Iterable[str], keyword: str, rootdir: Path, invocation: Path
) -> list[str] | None:
    """The recorded tests a run would select from its paths and ``-k`` (None: cannot tell)."""
    try:
        from _pytest.mark.expression import Expression
    except ImportError:  # pytest moved it: no prediction, xdist's own count
        return None
    prefixes = []
    for given in paths:
        path, sep, rest = given.partition("::")
        try:
            relative = (invocation / path).resolve().relative_to(rootdir.resolve()).as_posix()
        except ValueError:
            return None
        prefixes.append((relative if relative != "." else "") + (sep + rest if sep else ""))
    selected = [
        nodeid
        for nodeid in store.tests
        if not prefixes or any(_under(nodeid, prefix) for prefix in prefixes)
    ]
    if not keyword:
        return selected
    try:
        expression = Expression.compile(keyword)
    except Exception:
        return None

    def matches(nodeid: str) -> bool:
        # As pytest's keyword matching: a case-insensitive substring of a name in the chain
        # (directories, the file, classes, the test); markers are not known before collection.
        names = [part for part in nodeid.replace("::", "/").split("/") if part]

        def named(sub: str, /, **_kwargs: str | int | bool | None) -> bool:
            return any(sub.lower() in name.lower() for name in names)

        return expression.evaluate(named)

    return [nodeid for nodeid in selected if matches(nodeid)]


def _under(nodeid: str, prefix: str) -> bool:
    if not prefix:
        return True
    return nodeid == prefix or nodeid.startswith((prefix + "/", prefix + "::", prefix + "["))


class FitCheck:
    """The controller's plugin: the verdict on this run's worker count, from its collection."""

    def __init__(self, store: DurationStore, workers: int, fitted: Fit | None) -> None:
        self.store = store
        self.workers = workers
        self.fitted = fitted
        self.nodeids: list[str] | None = None

    def pytest_report_header(self) -> str | None:
        if self.fitted is None:
            return None
        count = "no workers" if self.fitted.best == 0 else f"{self.fitted.best} workers"
        return (
            f"dbfleet: -n auto fitted to {count} (--dbfleet-fit-workers): about "
            f"{self.fitted.summed:.2f}s of recorded tests, {self.fitted.start:.2f}s per worker "
            "to start"
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        if self.nodeids is None:
            self.nodeids = list(ids)

    def summary_lines(self) -> list[str]:
        if self.nodeids is None or not self.workers:
            return []
        found = fit(self.store, self.nodeids, self.workers)
        line = found.line(self.workers) if found is not None else None
        return [line] if line else []
