"""pytest glue for per-test isolation: the ``dbfleet`` mark, the hooks, and the test's level
applied around it.

Thin on purpose: what each level does lives in ``strategies`` (one unit per level, picked by
name), the fixtures a test asks for in ``fixtures`` (re-exported here by name, as pytest-django
does, so pytest finds them on this one registered plugin), restoring in the backends' restorers,
the clone pool in ``pool``, leak arithmetic in ``leaks``. Everything this process keeps lives on
``config.stash`` under ``ISOLATION``; the worker's own database comes from the core plugin's
``FleetState``.

Per test, the autouse fixture ``_dbfleet_isolation`` runs first and is torn down last (plugin
autouse fixtures come before the test's own), so a reset or a leak count sees the database after
every fixture of the test has closed its connections.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from dbfleet.backends import open_restorer
from dbfleet.config import IsolationSettings
from dbfleet.errors import DbfleetError

# pytest finds a plugin's fixtures among its attributes: the fixtures are re-exported by name.
from dbfleet.isolation.fixtures import (  # noqa: F401
    _dbfleet_test_engine,
    dbfleet_async_connection,
    dbfleet_async_engine,
    dbfleet_async_session,
    dbfleet_connection,
    dbfleet_engine,
    dbfleet_isolation_level,
    dbfleet_session,
    dbfleet_session_options,
    dbfleet_test_database,
)
from dbfleet.isolation.leaks import Leak, describe, from_json, leaks, to_json
from dbfleet.isolation.state import ISOLATION, LEVEL, IsolationState, TestDatabase, fail
from dbfleet.isolation.strategies import STRATEGIES
from dbfleet.isolation.strays import warning_line
from dbfleet.levels import LEVELS, LeakMode, Level, marked_level
from dbfleet.state import FleetState, fleet_settings, fleet_state, usage_errors

#: The user property carrying a test's leaks from an xdist worker to the controller.
LEAKS_PROPERTY = "dbfleet_leaks"

#: The ``workeroutput`` key carrying a worker's isolation numbers to the controller.
OUTPUT_KEY = "dbfleet_isolation"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"dbfleet(isolation=\"{'|'.join(LEVELS)}\"): this test's (class's, module's) "
        "isolation level, overriding dbfleet_isolation",
    )
    settings = fleet_settings(config)
    state = IsolationState(settings.isolation if settings else IsolationSettings())
    config.stash[ISOLATION] = state
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(LeakReports(state), "dbfleet-isolation-leaks")


def _fleet(config: pytest.Config) -> FleetState | None:
    """The core plugin's state when this process runs tests against a database of its own."""
    fleet = fleet_state(config)
    return fleet if fleet is not None and fleet.database is not None else None


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(ISOLATION, None)
    if state is None or fleet_state(config) is None:
        return None
    settings = state.settings
    line = f"dbfleet isolation: {settings.level}"
    if settings.leaks is not LeakMode.OFF:
        line += f", leak check {settings.leaks}"
    return line + f", fresh pool {settings.pool_size} per worker"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return
    for item in items:
        marks = [mark.kwargs for mark in item.iter_markers("dbfleet")]
        with usage_errors():
            item.stash[LEVEL] = marked_level(marks, state.settings.level, item.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Capture the template's rows and start the pool before the first test can write."""
    config = session.config
    state = config.stash.get(ISOLATION, None)
    fleet = _fleet(config)
    if state is None or fleet is None or config.option.collectonly:
        return
    levels = Counter(item.stash.get(LEVEL, state.settings.level) for item in session.items)
    with usage_errors():
        if state.settings.leaks is not LeakMode.OFF:
            assert fleet.database is not None
            state.restorer = open_restorer(fleet.database.url)
        for level in Level:  # cheapest first, as the levels are declared
            if levels[level]:
                STRATEGIES[level].prepare(state, fleet, levels[level])


class LeakReports:
    """Gathers leaks where the summary is written: the controller, or a run without xdist.

    Workers send each test's leaks in its teardown report's ``user_properties``, which xdist
    serialises with the report."""

    def __init__(self, state: IsolationState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == LEAKS_PROPERTY:
                found = from_json(value)
                if found:
                    self.state.leaking.append((report.nodeid, found))


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return
    try:
        for unit in STRATEGIES.values():
            unit.finish(state)
    finally:
        if state.restorer is not None:
            state.restorer.close()
            state.restorer = None
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[OUTPUT_KEY] = {
            "overhead": state.overhead,
            "restored_tables": state.restored_tables,
            "pool": state.pool_numbers,
            "strays": {"tests": state.stray_tests, "targets": state.stray_targets},
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    state = node.config.stash.get(ISOLATION, None)
    output = getattr(node, "workeroutput", {}).get(OUTPUT_KEY)
    if state is None or not isinstance(output, dict):
        return
    for level, seconds in output.get("overhead", {}).items():
        state.overhead.setdefault(level, []).extend(seconds)
    state.restored_tables += int(output.get("restored_tables", 0))
    for key, value in output.get("pool", {}).items():
        state.pool_numbers[key] = state.pool_numbers.get(key, 0) + value
    strays = output.get("strays", {})
    state.stray_tests += int(strays.get("tests", 0))
    state.add_targets(strays.get("targets", []))


def stray_warning(config: pytest.Config) -> str | None:
    """The run's one line when fresh isolation was not in effect for some tests, else None;
    for the summary and the run report."""
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return None
    return warning_line(state.stray_tests, state.stray_targets)


def overhead_totals(config: pytest.Config) -> dict[str, dict[str, float]]:
    """Per level, the tests and the seconds isolation added to them, for the run report."""
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return {}
    return {
        level: {"tests": len(seconds), "seconds": round(sum(seconds), 4)}
        for level, seconds in state.overhead.items()
        if seconds
    }


def summary_lines(config: pytest.Config) -> list[str]:
    """Isolation's lines in the run's ``dbfleet`` section (written by the core plugin): one
    line when all went well (the section is two or three lines), one more per leaking test."""
    state = config.stash.get(ISOLATION, None)
    if state is None:
        return []
    parts = []
    if state.overhead:
        levels = []
        for level in LEVELS:
            seconds = state.overhead.get(level)
            if seconds:
                median = statistics.median(seconds) * 1000
                unmet = STRATEGIES[Level(level)].in_name_only(state)
                levels.append(f"{len(seconds) - unmet} {level} (median {median:.1f} ms added)")
                if unmet:
                    levels.append(f"{unmet} {level} in name only")
        parts.append("isolation: " + ", ".join(levels))
    if state.pool_numbers:
        numbers = state.pool_numbers
        parts.append(
            f"fresh pool: {int(numbers.get('cloned', 0))} cloned, "
            f"{int(numbers.get('waits', 0))} test(s) waited "
            f"{numbers.get('waited_seconds', 0.0):.2f}s in all"
        )
    leaks = []
    if state.settings.leaks is not LeakMode.OFF:
        if state.leaking:
            leaks.append(f"{len(state.leaking)} test(s) leaked rows:")
            leaks.extend(
                f"  {nodeid}: {describe(found)}" for nodeid, found in sorted(state.leaking)
            )
        else:
            parts.append("no test leaked rows")
    warning = stray_warning(config)
    return (["; ".join(parts)] if parts else []) + leaks + ([warning] if warning else [])


@pytest.fixture(autouse=True)
def _dbfleet_isolation(request: pytest.FixtureRequest) -> Iterator[TestDatabase | None]:
    """Applies the test's level around everything else the test does; None when idle."""
    config = request.config
    state = config.stash.get(ISOLATION, None)
    fleet = _fleet(config)
    if state is None or fleet is None:
        yield None
        return
    item = request.node
    level = item.stash.get(LEVEL, state.settings.level)
    unit = STRATEGIES[level]
    started = time.perf_counter()
    if unit.own_database and "dbfleet_engine" in request.fixturenames:
        pytest.fail(
            f"dbfleet: {item.nodeid} runs with isolation {level}, but dbfleet_engine is the "
            "worker database's engine, shared by the session; use dbfleet_connection, "
            "dbfleet_session or dbfleet_test_database.url",
            pytrace=False,
        )
    counting = state.settings.leaks is not LeakMode.OFF and not unit.keeps_worker_database
    try:
        before = state.restorer.counts() if counting and state.restorer is not None else None
        database = unit.begin(state, fleet)
    except DbfleetError as error:
        fail(error)
    if not unit.keeps_worker_database:
        state.worker_clean = False
    spent = time.perf_counter() - started
    try:
        yield TestDatabase(level, database)
    finally:
        started = time.perf_counter()
        try:
            unit.end(state, database)
            found: tuple[Leak, ...] = ()
            if before is not None and state.restorer is not None:
                found = leaks(before, state.restorer.counts())
                if found:
                    item.user_properties.append((LEAKS_PROPERTY, to_json(found)))
        except DbfleetError as error:
            fail(error)
        spent += time.perf_counter() - started
        state.overhead.setdefault(level.value, []).append(spent)
        if found and state.settings.leaks is LeakMode.FAIL:
            pytest.fail(
                f"dbfleet: {item.nodeid} leaked rows: {describe(found)} "
                "(--dbfleet-check-leaks=fail)",
                pytrace=False,
            )
