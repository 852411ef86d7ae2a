"""``--dbfleet-shard K/N`` as two plugin objects, registered only under that option.

:class:`ShardSelection` (every process that collects: a serial run or each xdist worker) keeps
shard K's tests, planned from the duration store and the saved plan alike in every job.
:class:`ShardCheck` (the controller or the serial process) compares, at the end, the tests that
reported an outcome with that plan (``shard_check`` holds the arithmetic), fails the run when a
planned test never ran, and says so in one line."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dbfleet.errors import DbfleetError
from dbfleet.jsonfile import write_json
from dbfleet.report.recorder import RECORDER, Recorder
from dbfleet.scheduling import duration_file
from dbfleet.scheduling.shard_check import ShardRun, notes_of, problems_of
from dbfleet.scheduling.shards import load_assignment, plan_for_tests
from dbfleet.scheduling.xdist import xdist_groups

#: The ``workerinput`` key naming the file where an xdist worker writes its ``ShardRun`` as soon
#: as it has selected its tests, so the controller knows the plan even when every worker crashes
#: later.
SHARD_INPUT = "dbfleet_shard_run"

#: What this process's shard collected and was planned to run (``ShardSelection``).
SHARD_RUN = pytest.StashKey[ShardRun]()


def saved_plan(path: Path | None, total: int) -> dict[str, int] | None:
    """The assignment of ``--dbfleet-shard-plan``'s file, which every shard job reads alike."""
    if path is None:
        return None
    assignment, shards = load_assignment(path)
    if shards != total:
        raise DbfleetError(
            f"dbfleet: shard plan {path} has {shards} shards but --dbfleet-shard "
            f"asks for one of {total}; plan again with --shards {total}"
        )
    return assignment


class ShardSelection:
    """Keeps shard K's tests, in a serial run or each xdist worker (the controller collects
    nothing), each computing the same plan from the same store and the same saved plan."""

    def __init__(
        self, shard: tuple[int, int], store_path: Path, plan_path: Path | None, workers: int
    ) -> None:
        self.shard = shard
        self.store_path = store_path
        self.plan_path = plan_path
        self.workers = workers
        #: Tests other plugins deselected (``-k``, ``-m``, ``--deselect``, ``--lf``) before this
        #: selection: absent from the collection on purpose, not lost.
        self.deselected: set[str] = set()

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected.update(item.nodeid for item in items)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        number, total = self.shard
        collection = tuple(item.nodeid for item in items)
        if not items:
            config.stash[SHARD_RUN] = ShardRun(
                number, total, collection, (), plan_sizes=(0,) * total
            )
            return
        try:
            store = duration_file.load(self.store_path)
            previous = saved_plan(self.plan_path, total)
        except DbfleetError as error:
            raise pytest.UsageError(str(error)) from None
        plan = plan_for_tests(
            list(collection), xdist_groups(items), store, total, self.workers, previous=previous
        )
        keep = set(plan.shard(number).tests)
        given = {test for test, k in (previous or {}).items() if k == number}
        config.stash[SHARD_RUN] = ShardRun(
            number,
            total,
            collection,
            tuple(sorted(keep)),
            unplanned_missing=tuple(sorted(given - set(collection) - self.deselected)),
            plan_sizes=tuple(len(planned.tests) for planned in plan.shards),
        )
        dropped = [item for item in items if item.nodeid not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if item.nodeid in keep]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """The shard's plan is what is left to run once every plugin has selected (``--lf`` and
        other wrappers deselect after this one); an xdist worker writes it out now, so the
        controller has it even if the worker dies later."""
        config = session.config
        run = config.stash.get(SHARD_RUN, None)
        if run is None:
            return
        final = {item.nodeid for item in session.items}
        run = replace(run, planned=tuple(test for test in run.planned if test in final))
        config.stash[SHARD_RUN] = run
        target = getattr(config, "workerinput", {}).get(SHARD_INPUT)
        if target:
            write_json(Path(target), run.to_json())

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
            # More shards than units is a plan, not a failure: exit 0 (the check says why).
            session.exitstatus = pytest.ExitCode.OK


class ShardCheck:
    """Checks at the end of a ``--dbfleet-shard`` run, in the controller or serial process,
    that exactly the planned tests reported an outcome; a test lost on the way fails the run
    (exit 1) instead of leaving CI green."""

    def __init__(self, shard: tuple[int, int], workers: int) -> None:
        self.shard = shard
        self.ran: set[str] = set()
        self.lines: list[str] = []
        #: Under xdist: where the workers write their ``ShardRun``.
        self.directory = Path(tempfile.mkdtemp(prefix="dbfleet-shard-")) if workers else None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.directory is not None:
            node.workerinput[SHARD_INPUT] = str(self.directory / f"{node.gateway.id}.json")

    def pytest_unconfigure(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.ran.add(report.nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if config.option.collectonly:
            return
        number, total = self.shard
        empty = session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED
        planned = config.stash.get(SHARD_RUN, None) or self._worker_shard_run()
        if planned is None:
            lines = [f"shard {number}/{total}: no process reported its plan; the run is unchecked"]
            failed = bool(self.ran)
        else:
            run = planned.with_ran(self.ran)
            # The Recorder (present whenever a report can be written) puts it in the report.
            recorder = config.pluginmanager.get_plugin(RECORDER)
            if isinstance(recorder, Recorder):
                recorder.record.shard = run.to_json()
            lines = problems_of(run)
            failed = bool(lines)
            if not lines and run.planned:
                lines = [f"{run.label} ran exactly its {len(run.planned)} planned tests"]
            lines += notes_of(run)
        if empty:
            # More shards than units is a plan, not a failure: exit 0 and say why.
            session.exitstatus = pytest.ExitCode.OK
            lines.insert(0, f"shard {number}/{total} has no tests to run")
        passing = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if failed and session.exitstatus in passing:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.lines = lines

    def summary_lines(self) -> list[str]:
        """This shard's lines in the run's ``dbfleet`` section, each greppable in a CI log."""
        return [f"dbfleet: {line}" for line in self.lines]

    def _worker_shard_run(self) -> ShardRun | None:
        """In an xdist controller: the first worker's ``ShardRun`` (every worker plans alike)."""
        for path in sorted(self.directory.glob("*.json")) if self.directory is not None else ():
            try:
                return ShardRun.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return None
