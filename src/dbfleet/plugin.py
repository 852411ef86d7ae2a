"""pytest hooks and fixtures: thin glue that calls into the fleet.

The database is provisioned in ``pytest_load_initial_conftests`` so that a conftest or settings
module reading ``DATABASE_URL`` at import time already sees the worker's own database. Workers
learn the controller's run, base URL and template through one environment variable, set before
pytest-xdist spawns them (they inherit the controller's environment).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dbfleet import environ
from dbfleet.backends import Backend, open_backend
from dbfleet.config import Settings, distributes, resolve
from dbfleet.embedded import start_embedded
from dbfleet.errors import DbfleetError
from dbfleet.fingerprint import fingerprint
from dbfleet.fleet import (
    FleetDatabase,
    Reservation,
    Template,
    ensure_template,
    provision,
    provision_by_migrating,
    release,
    reserve,
    sweep_run,
)
from dbfleet.marker import Run
from dbfleet.migrate import Migrator, parse_migrator
from dbfleet.report.record import RunRecord, write_json
from dbfleet.report.recorder import RECORDER, Recorder
from dbfleet.report.terminal import render_lines, render_markdown
from dbfleet.scheduling import durations
from dbfleet.scheduling.durations import DEFAULT_PATH as DEFAULT_DURATIONS
from dbfleet.scheduling.recording import DurationRecorder
from dbfleet.scheduling.shard_check import ShardRun
from dbfleet.scheduling.shard_run import SHARD_DIR, SHARD_RUN, ShardCheck
from dbfleet.scheduling.shards import load_assignment, plan_for_tests
from dbfleet.scheduling.units import Granularity
from dbfleet.scheduling.xdist import DbfleetScheduling, xdist_groups
from dbfleet.state import STATE, FleetState, Role, database_seconds, usage_errors
from dbfleet.urls import (
    SERIAL_WORKER,
    SecretURL,
    connectable,
    fit_identifier,
    parse_url,
    redacted,
)

#: Carries the controller's run to its xdist workers; holds a password, so it lives only in
#: the environment, like the exported ``DATABASE_URL`` itself.
CONTROLLER_ENV = "DBFLEET_CONTROLLER"

#: Set by a worker once provisioned. A pytest started inside a worker (in-process or as a
#: child) inherits the worker's xdist variables too; this tells it that it is not the worker.
WORKER_PID_ENV = "DBFLEET_WORKER_PID"


def project_root(config: pytest.Config) -> Path:
    """Where relative settings are resolved: the ini file's folder, else pytest's rootdir."""
    return config.inipath.parent if config.inipath else config.rootpath


#: The name per-test isolation is registered under. It is registered by this plugin, not by an
#: entry point of its own, so ``-p no:dbfleet`` leaves no dbfleet hook or fixture behind.
ISOLATION_PLUGIN = "dbfleet.isolation"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    from dbfleet.isolation import plugin as isolation

    if pluginmanager.get_plugin(ISOLATION_PLUGIN) is None:
        # pytest_addoption is historic: the isolation plugin's own runs as it registers.
        pluginmanager.register(isolation, ISOLATION_PLUGIN)
    group = parser.getgroup("dbfleet", "pytest-dbfleet: one database per xdist worker")
    group.addoption(
        "--dbfleet-url",
        dest="dbfleet_url",
        metavar="URL",
        help="base database URL (SQLAlchemy style); env DBFLEET_URL; ini dbfleet_url",
    )
    group.addoption(
        "--dbfleet-migrate",
        dest="dbfleet_migrate",
        metavar="SPEC",
        help="how the template schema is built: alembic[:INI], sql:PATH, "
        "python:module:function or cmd:COMMAND; env DBFLEET_MIGRATE; ini dbfleet_migrate",
    )
    group.addoption(
        "--dbfleet-namespace",
        dest="dbfleet_namespace",
        metavar="NAME",
        help="put NAME between the base name and the worker id (app_test_NAME_gw0), for CI jobs "
        "sharing a server; env DBFLEET_NAMESPACE; ini dbfleet_namespace",
    )
    group.addoption(
        "--dbfleet-keep",
        dest="dbfleet_keep",
        action="store_true",
        help="keep the worker databases after the run, for debugging",
    )
    group.addoption(
        "--dbfleet-embedded",
        dest="dbfleet_embedded",
        action="store_true",
        help="start a throwaway PostgreSQL (pgserver) instead of using a server",
    )
    group.addoption(
        "--dbfleet-provision",
        dest="dbfleet_provision",
        choices=("clone", "migrate"),
        default="clone",
        help="clone: from the template (default); migrate: run the migrations in every "
        "worker's database, the hand-written baseline dbfleet bench compares against",
    )
    group.addoption(
        "--dbfleet-report",
        dest="dbfleet_report",
        metavar="PATH",
        help="write the run report (every test with worker, times, outcome) as JSON",
    )
    group.addoption(
        "--dbfleet-durations",
        dest="dbfleet_durations",
        metavar="PATH",
        help="the duration store recorded into and scheduled from; "
        f"ini dbfleet_durations; default {DEFAULT_DURATIONS}",
    )
    group.addoption(
        "--dbfleet-dist",
        dest="dbfleet_dist",
        action="store_true",
        help="with -n: dispatch units (files, xdist_group groups) longest-estimate-first "
        "from the duration store instead of xdist's --dist order",
    )
    group.addoption(
        "--dbfleet-html",
        dest="dbfleet_html",
        metavar="PATH",
        help="write the run as one self-contained HTML page: a timeline lane per worker",
    )
    group.addoption(
        "--dbfleet-shard",
        dest="dbfleet_shard",
        metavar="K/N",
        type=_shard_option,
        help="run shard K of N (1-based), planned from the duration store so shards end together",
    )
    group.addoption(
        "--dbfleet-shard-plan",
        dest="dbfleet_shard_plan",
        metavar="PATH",
        help="with --dbfleet-shard: follow this saved plan (dbfleet plan -o PATH); its tests stay "
        "on their shard and only new tests are placed; ini dbfleet_shard_plan",
    )
    parser.addini("dbfleet_url", "base database URL, or 'embedded'", default="")
    parser.addini(
        "dbfleet_durations", f"duration store path (default {DEFAULT_DURATIONS})", default=""
    )
    parser.addini(
        "dbfleet_shard_plan", "saved plan --dbfleet-shard follows (dbfleet plan -o)", default=""
    )
    parser.addini(
        "dbfleet_unit", "unit of dispatch for --dbfleet-dist: file, class or test", default="file"
    )
    parser.addini("dbfleet_migrate", "how the template schema is built", default="")
    parser.addini("dbfleet_namespace", "put between the base name and the worker id", default="")
    parser.addini(
        "dbfleet_fingerprint", "extra globs whose contents enter the fingerprint", type="linelist"
    )
    parser.addini(
        "dbfleet_export",
        "environment variables set to the worker's URL",
        type="args",
        default=["DATABASE_URL"],
    )


def _shard_option(text: str) -> tuple[int, int]:
    number, _, total = text.partition("/")
    try:
        k, n = int(number), int(total)
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 1 <= K <= N, e.g. 2/4")
    return k, n


def _settings(config: pytest.Config) -> Settings:
    namespace = config.known_args_namespace
    cli = {
        "url": getattr(namespace, "dbfleet_url", None),
        "migrate": getattr(namespace, "dbfleet_migrate", None),
        "keep": getattr(namespace, "dbfleet_keep", False),
        "embedded": getattr(namespace, "dbfleet_embedded", False),
        "namespace": getattr(namespace, "dbfleet_namespace", None),
    }
    ini = {
        name: config.getini(name)
        for name in ("dbfleet_url", "dbfleet_migrate", "dbfleet_namespace")
    }
    ini["dbfleet_fingerprint"] = config.getini("dbfleet_fingerprint")
    ini["dbfleet_export"] = config.getini("dbfleet_export")
    return resolve(cli, os.environ, ini, project_root(config))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    namespace = early_config.known_args_namespace
    if getattr(namespace, "help", False) or getattr(namespace, "version", False):
        return
    with usage_errors():
        settings = _settings(early_config)
        if not settings.active:
            return
        state = _start(settings, vars(early_config.known_args_namespace))
    early_config.stash[STATE] = state


def _controller() -> dict[str, str] | None:
    """The controller's message, if this process really is one of its xdist workers."""
    raw = os.environ.get(CONTROLLER_ENV)
    if not raw or not os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get(WORKER_PID_ENV):
        return None
    try:
        message = json.loads(raw)
        keys = ("run", "url", "template", "fingerprint", "namespace")
        return {key: str(message[key]) for key in keys}
    except (ValueError, KeyError, TypeError):
        return None


def _start(settings: Settings, options: dict[str, Any]) -> FleetState:
    controller = _controller()
    if controller is not None:
        return _start_worker(settings, controller)
    embedded = None
    if settings.embedded is not None:
        base_url, embedded = start_embedded(
            settings.rootdir, settings.embedded.database, settings.embedded.drivername
        )
    else:
        assert settings.url is not None
        base_url = parse_url(settings.url)
    run = Run.current()
    migrator = parse_migrator(settings.migrate, settings.rootdir)
    migrating = options.get("dbfleet_provision") == "migrate"
    workers = distributes(options, os.environ)
    backend = open_backend(base_url)
    try:
        role: Role = "controller" if workers else "serial"
        ids = [f"gw{index}" for index in range(workers)] if workers else [SERIAL_WORKER]
        # Every name first, so a refused run builds nothing; the claims last as long as the
        # backend's connection, which stays open for the run (it also holds the in-use lock).
        reservation = reserve(backend, worker_ids=ids, run=run, namespace=settings.namespace)
        template = None if migrating else _template(backend, settings, migrator, run)
        state = FleetState(settings, role, run, base_url, template, embedded=embedded)
        state.reservation = reservation
        state.backend = backend
        if role == "controller":
            os.environ[CONTROLLER_ENV] = json.dumps(
                {
                    "run": run.id,
                    "url": connectable(base_url),
                    "template": template.name if template else "",
                    "fingerprint": template.fingerprint if template else "",
                    "namespace": reservation.namespace or "",
                }
            )
            # The controller runs no test; a conftest it imports that connects at import time
            # gets a database that does not exist, and fails loudly instead of touching data.
            unused = fit_identifier(backend.base_name, "_controller", backend.name_limit)
            _export(state, connectable(backend.url_for(unused)))
            return state
        state.database = _provision(backend, state, SERIAL_WORKER, migrator)
    except BaseException:
        backend.close()
        raise
    _export(state, state.database.url)
    return state


def _template(backend: Backend, settings: Settings, migrator: Migrator, run: Run) -> Template:
    return ensure_template(
        backend,
        migrator=migrator,
        fingerprint=fingerprint(
            migrate_spec=migrator.spec,
            sources=migrator.sources(),
            extra_globs=settings.fingerprint,
            rootdir=settings.rootdir,
            server_version=backend.server_version(),
        ),
        run=run,
        environ=dict(os.environ),
        export=settings.export,
    )


def _provision(
    backend: Backend, state: FleetState, worker_id: str, migrator: Migrator
) -> FleetDatabase:
    """Clone from the template, or (no template: the migrate baseline) migrate in place."""
    namespace = state.reservation.namespace
    if state.template is not None:
        return provision(
            backend,
            worker_id=worker_id,
            template=state.template,
            run=state.run,
            namespace=namespace,
        )
    return provision_by_migrating(
        backend,
        worker_id=worker_id,
        migrator=migrator,
        run=state.run,
        environ=dict(os.environ),
        export=state.settings.export,
        namespace=namespace,
    )


def _start_worker(settings: Settings, controller: dict[str, str]) -> FleetState:
    base_url = parse_url(controller["url"])
    run = Run.current(controller["run"])
    template = None
    if controller["template"]:
        template = Template(controller["template"], controller["fingerprint"], True, 0.0)
    state = FleetState(settings, "worker", run, base_url, template)
    state.reservation = Reservation(controller["namespace"] or None, ())
    migrator = parse_migrator(settings.migrate, settings.rootdir)
    backend = open_backend(base_url)
    try:
        state.database = _provision(backend, state, os.environ["PYTEST_XDIST_WORKER"], migrator)
    finally:
        backend.close()
    _export(state, state.database.url)
    environ.swap({WORKER_PID_ENV: str(os.getpid())}, state.saved_environ)
    return state


def _export(state: FleetState, url: str) -> None:
    environ.swap(dict.fromkeys(state.settings.export, url), state.saved_environ)


def _template_line(template: Template | None) -> str:
    if template is None:
        return "no template (--dbfleet-provision=migrate)"
    how = "reused" if template.reused else f"built in {template.seconds:.2f}s"
    return f"template {template.name} ({how})"


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(STATE, None)
    if state is None:
        return None
    target = state.database.name if state.database else "a database per worker"
    namespace = state.reservation.namespace
    if namespace:
        why = f": {state.reservation.reason}" if state.reservation.reason else ""
        target += f" (namespace {namespace}{why})"
    return f"dbfleet: {redacted(state.base_url)} -> {target}, {_template_line(state.template)}"


def pytest_configure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if hasattr(config, "workerinput"):
        return
    report, html = config.getoption("dbfleet_report"), config.getoption("dbfleet_html")
    if state is not None or report or html:
        record = state.record if state is not None else RunRecord()
        config.pluginmanager.register(Recorder(record, state, report, html), RECORDER)
    shard = config.getoption("dbfleet_shard")
    if shard:
        # Read the inputs here, before any worker starts: a bad file found in an xdist worker
        # would surface as INTERNALERROR, not as the one line a serial run gives.
        with usage_errors():
            durations.load(_durations_path(config))
            _saved_plan(config, shard[1])
        config.pluginmanager.register(ShardCheck(shard), "dbfleet-shard-check")
        config.stash[SHARD_DIR] = Path(tempfile.mkdtemp(prefix="dbfleet-shard-"))
    if config.getoption("dbfleet_dist"):
        _check_dist(config)
        config.stash[GROUPS_DIR] = Path(tempfile.mkdtemp(prefix="dbfleet-groups-"))
    explicit = config.getoption("dbfleet_durations") or config.getini("dbfleet_durations")
    if state is not None or explicit or config.getoption("dbfleet_dist"):
        config.pluginmanager.register(
            DurationRecorder(_durations_path(config), state), "dbfleet-durations"
        )


#: xdist modes ``--dbfleet-dist`` replaces: every one that runs each test once.
LOAD_MODES = ("load", "loadscope", "loadfile", "loadgroup", "worksteal")


def _check_dist(config: pytest.Config) -> None:
    """--dbfleet-dist replaces a mode that runs each test once; ``each`` runs it everywhere."""
    dist = config.getoption("dist", "no")
    if dist != "no" and dist not in LOAD_MODES:
        raise pytest.UsageError(
            f"--dbfleet-dist replaces a load-style --dist; it cannot be combined with --dist {dist}"
        )


def _durations_path(config: pytest.Config) -> Path:
    given = config.getoption("dbfleet_durations") or config.getini("dbfleet_durations")
    return project_root(config) / (given or DEFAULT_DURATIONS)


def _granularity(config: pytest.Config) -> Granularity:
    value = str(config.getini("dbfleet_unit")).strip() or "file"
    try:
        return Granularity(value)
    except ValueError:
        raise pytest.UsageError(
            f"dbfleet_unit is {value!r}; it must be one of file, class, test"
        ) from None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> DbfleetScheduling | None:
    if not config.getoption("dbfleet_dist"):
        return None
    with usage_errors():
        store = durations.load(_durations_path(config))
    directory = config.stash.get(GROUPS_DIR, None)
    return DbfleetScheduling(
        distributes(vars(config.option), os.environ),
        store,
        _granularity(config),
        groups=(lambda: _read_groups(directory)) if directory is not None else dict,
        log=log.dbfleetsched,
    )


#: Set in each worker's ``workerinput`` by a --dbfleet-dist controller: where to write the
#: worker's ``xdist_group`` names (see ``scheduling/xdist.py`` for why a file).
GROUPS_INPUT = "dbfleet_groups"
GROUPS_DIR = pytest.StashKey[Path]()

#: Likewise for ``--dbfleet-shard``: where each worker writes its ``ShardRun`` as soon as it has
#: selected its tests, so the controller knows the plan even when every worker crashes later.
SHARD_INPUT = "dbfleet_shard_run"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    directory = node.config.stash.get(GROUPS_DIR, None)
    if directory is not None:
        node.workerinput[GROUPS_INPUT] = str(directory / f"{node.gateway.id}.json")
    shard_directory = node.config.stash.get(SHARD_DIR, None)
    if shard_directory is not None:
        node.workerinput[SHARD_INPUT] = str(shard_directory / f"{node.gateway.id}.json")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Select this process's shard; then a --dbfleet-dist worker writes which tests carry
    ``xdist_group``, before it reports its collection to the controller (so the file is
    complete when scheduling starts)."""
    shard = config.getoption("dbfleet_shard")
    if shard:
        _select_shard(config, items, shard)
    target = getattr(config, "workerinput", {}).get(GROUPS_INPUT)
    if target:
        write_json(Path(target), xdist_groups(items))


def _select_shard(config: pytest.Config, items: list[pytest.Item], shard: tuple[int, int]) -> None:
    """--dbfleet-shard K/N keeps shard K's tests; runs in serial processes and xdist workers
    (the controller collects nothing), each computing the same plan from the same store and
    the same saved plan. What was collected and planned goes on the stash for the shard check."""
    number, total = shard
    collection = tuple(item.nodeid for item in items)
    if not items:
        config.stash[SHARD_RUN] = ShardRun(number, total, collection, (), plan_sizes=(0,) * total)
        return
    with usage_errors():
        store = durations.load(_durations_path(config))
        previous = _saved_plan(config, total)
    workers = (
        int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 0)
        if hasattr(config, "workerinput")
        else distributes(vars(config.option), os.environ)
    )
    plan = plan_for_tests(
        list(collection), xdist_groups(items), store, total, max(workers, 1), previous=previous
    )
    keep = set(plan.shard(number).tests)
    given = {test for test, k in (previous or {}).items() if k == number}
    filtered = config.stash.get(DESELECTED, set())
    config.stash[SHARD_RUN] = ShardRun(
        number,
        total,
        collection,
        tuple(sorted(keep)),
        unplanned_missing=tuple(sorted(given - set(collection) - filtered)),
        plan_sizes=tuple(len(planned.tests) for planned in plan.shards),
    )
    deselected = [item for item in items if item.nodeid not in keep]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.nodeid in keep]


#: Tests other plugins deselected (``-k``, ``-m``, ``--deselect``, ``--lf``) before the shard
#: selection: absent from the collection on purpose, not lost.
DESELECTED = pytest.StashKey[set[str]]()


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items and items[0].config.getoption("dbfleet_shard"):
        config = items[0].config
        config.stash.setdefault(DESELECTED, set()).update(item.nodeid for item in items)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """The shard's plan is what is left to run once every plugin has selected (``--lf`` and
    other wrappers deselect after ``_select_shard``); an xdist worker writes it out now, so the
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


def _saved_plan(config: pytest.Config, total: int) -> dict[str, int] | None:
    """The assignment of ``--dbfleet-shard-plan``'s file, which every shard job reads alike."""
    given = config.getoption("dbfleet_shard_plan") or config.getini("dbfleet_shard_plan")
    if not given:
        return None
    path = project_root(config) / given
    assignment, shards = load_assignment(path)
    if shards != total:
        raise DbfleetError(
            f"dbfleet: shard plan {path} has {shards} shards but --dbfleet-shard "
            f"asks for one of {total}; plan again with --shards {total}"
        )
    return assignment


def _read_groups(directory: Path) -> dict[str, str]:
    groups: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            groups.update(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return groups


def pytest_sessionfinish(session: pytest.Session) -> None:
    shard = session.config.getoption("dbfleet_shard")
    if shard and session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        # More shards than units is a plan, not a failure: exit 0 and say why.
        session.exitstatus = pytest.ExitCode.OK
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and not hasattr(session.config, "workerinput"):
            reporter.write_line(f"dbfleet: shard {shard[0]}/{shard[1]} has no tests to run")
    state = session.config.stash.get(STATE, None)
    workeroutput = getattr(session.config, "workeroutput", None)
    if state is not None and state.database is not None and workeroutput is not None:
        workeroutput["dbfleet_seconds"] = state.database.seconds
        workeroutput["dbfleet_database"] = state.database.redacted_url


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    state = node.config.stash.get(STATE, None)
    output = getattr(node, "workeroutput", {})
    if state is not None and "dbfleet_seconds" in output:
        state.worker_seconds.append(float(output["dbfleet_seconds"]))
        state.worker_databases.append(str(output["dbfleet_database"]))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.role == "worker":
        return
    clones = database_seconds(state)
    template = state.template
    if template is None:
        line = "no template: every database migrated in place (--dbfleet-provision=migrate)"
    else:
        how = "reused" if template.reused else "built"
        line = f"template {template.name} {how} in {template.seconds:.2f}s"
    if clones:
        verb = "cloned" if template else "migrated"
        line += f"; {len(clones)} database(s) {verb}, median {statistics.median(clones):.3f}s"
    if state.settings.keep:
        kept = [state.database.redacted_url] if state.database else state.worker_databases
        line += "; kept (--dbfleet-keep): " + ", ".join(sorted(kept))
    terminalreporter.write_sep("=", "dbfleet")
    terminalreporter.write_line(line)
    recorder = config.pluginmanager.get_plugin(RECORDER)
    if not isinstance(recorder, Recorder) or recorder.data is None or not recorder.data["tests"]:
        return
    summary = recorder.summary()
    for text in render_lines(summary):
        terminalreporter.write_line(text)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as out:
            out.write(render_markdown(summary))


def pytest_unconfigure(config: pytest.Config) -> None:
    for key in (GROUPS_DIR, SHARD_DIR):
        directory = config.stash.get(key, None)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
    state = config.stash.get(STATE, None)
    if state is None:
        return
    del config.stash[STATE]
    try:
        if not state.settings.keep:
            _clean_up(state)
        elif state.backend is not None:
            state.backend.close()
    except DbfleetError as error:
        sys.stderr.write(f"{error}\n")
    finally:
        environ.restore(state.saved_environ)
        if state.role == "controller":
            os.environ.pop(CONTROLLER_ENV, None)


def _clean_up(state: FleetState) -> None:
    backend = state.backend or open_backend(state.base_url)
    try:
        if state.database is not None:
            release(backend, state.database.name, state.run)
        if state.role == "controller":
            state.dropped = sweep_run(backend, state.run)
    finally:
        backend.close()


def pytest_assertrepr_compare(op: str, left: object, right: object) -> list[str] | None:
    """Explain a failed comparison with the worker URL without pytest's raw-text diff,
    which would print the password."""
    if isinstance(left, SecretURL) or isinstance(right, SecretURL):
        return [f"{left!r} {op} {right!r}", "(dbfleet hides the URL's password in this diff)"]
    return None


@pytest.fixture(scope="session")
def dbfleet_database(pytestconfig: pytest.Config) -> FleetDatabase:
    """This worker's database: name, URL (with password, for connecting), template, fingerprint."""
    state = pytestconfig.stash.get(STATE, None)
    if state is None or state.database is None:
        pytest.fail(
            "dbfleet is not active: set dbfleet_url (ini), --dbfleet-url or DBFLEET_URL, "
            "or pass --dbfleet-embedded",
            pytrace=False,
        )
    return state.database


@pytest.fixture(scope="session")
def dbfleet_url(dbfleet_database: FleetDatabase) -> str:
    """This worker's database URL, password included, driver kept (``+asyncpg`` …).

    A ``str`` whose repr hides the password, so a failing test's traceback or assertion
    message shows ``***`` while connecting with it still works.
    """
    return SecretURL(dbfleet_database.url)
