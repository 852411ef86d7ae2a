"""pytest glue: the options, the choice of role, the collectors each option turns on, the one
``dbfleet`` terminal section, and the fixtures. Everything that does work lives elsewhere:

- ``roles``: what a serial run, an xdist controller and a worker provision, export and clean up;
- ``isolation/plugin``: per-test isolation (registered from here, so ``-p no:dbfleet`` removes it);
- ``report/recorder``, ``scheduling/recording``, ``scheduling/shard_run``,
  ``scheduling/dispatch``: the run report, the duration store, shards and ``--dbfleet-dist``.

The role is chosen in ``pytest_load_initial_conftests`` so that a conftest or settings module
reading ``DATABASE_URL`` at import time already sees the worker's own database.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Generator, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from dbfleet import options, process, progress, roles
from dbfleet.config import Settings, check_ini_keys, distributes, opt_in, resolve
from dbfleet.django import plugin as django_fleet
from dbfleet.errors import ConfigError, DbfleetError
from dbfleet.fleet import FleetDatabase
from dbfleet.inifile import read_options
from dbfleet.options import OPTIONS, Found, cli_values, flags_given, lookup
from dbfleet.report.phases import PLUGIN_NAME as PHASES
from dbfleet.report.phases import Phases
from dbfleet.report.phases import render_lines as phase_lines
from dbfleet.report.record import RunRecord
from dbfleet.report.recorder import RECORDER, Recorder
from dbfleet.report.terminal import render_lines, render_markdown
from dbfleet.scheduling import duration_file
from dbfleet.scheduling.dispatch import GROUPS_INPUT, DistController, GroupWriter, check_dist
from dbfleet.scheduling.dispatch import granularity as unit_of
from dbfleet.scheduling.fit import Fit, FitCheck, fit, predicted_selection
from dbfleet.scheduling.recording import DurationRecorder
from dbfleet.scheduling.shard_run import ShardCheck, ShardSelection, saved_plan
from dbfleet.state import INACTIVE, SETTINGS, STATE, project_root, usage_errors
from dbfleet.urls import SecretURL
from dbfleet.warm.pool import PLUGIN_NAME as WARM
from dbfleet.warm.pool import ModuleReport, WarmPool, WarmWorkers
from dbfleet.warm.pool import available as warm_available

#: The name per-test isolation is registered under. It is registered by this plugin, not by an
#: entry point of its own, so ``-p no:dbfleet`` leaves no dbfleet hook or fixture behind.
ISOLATION_PLUGIN = "dbfleet.isolation"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    from dbfleet.isolation import plugin as isolation

    if pluginmanager.get_plugin(ISOLATION_PLUGIN) is None:
        pluginmanager.register(isolation, ISOLATION_PLUGIN)
    options.register(parser)


def _ini(config: pytest.Config) -> dict[str, object]:
    return {option.ini: config.getini(option.ini) for option in OPTIONS if option.ini}


def _lookup(config: pytest.Config, name: str) -> Found:
    """One setting from the table's places: this run's flags, the environment, the ini."""
    return lookup(name, cli_values(config.known_args_namespace), os.environ, _ini(config))


def _process_option(config: pytest.Config, name: str) -> bool:
    return bool(_lookup(config, name).value)


def _ini_keys(config: pytest.Config) -> dict[str, str]:
    """The keys written in the configuration file pytest chose, and given with ``-o``, each
    with where it was written."""
    where = config.inipath.name if config.inipath else ""
    keys = dict.fromkeys(read_options(config.inipath) if config.inipath else (), where)
    overrides = getattr(config.known_args_namespace, "override_ini", None) or []
    keys.update(dict.fromkeys((str(item).partition("=")[0].strip() for item in overrides), "-o"))
    return keys


def _loaded_explicitly(config: pytest.Config) -> bool:
    """``-p dbfleet`` (the way in when ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` is set)."""
    plugins = getattr(config.known_args_namespace, "plugins", None) or []
    return any(str(name).strip() in ("dbfleet", "dbfleet.plugin") for name in plugins)


def _settings(config: pytest.Config) -> Settings:
    namespace = config.known_args_namespace
    keys = _ini_keys(config)
    check_ini_keys(keys)
    wanted = opt_in(keys, flags_given(namespace), os.environ, _loaded_explicitly(config))
    cli, root = cli_values(namespace), project_root(config)
    settings = resolve(cli, os.environ, _ini(config), root, opted_in=wanted)
    return _for_django(config, settings) if django_fleet.settings_module(config) else settings


def _for_django(config: pytest.Config, settings: Settings) -> Settings:
    """A Django suite's databases come from ``DATABASES``: a ``DATABASE_URL`` the settings
    read is not a dbfleet URL there, and an explicit dbfleet URL is a contradiction."""
    if not settings.active:
        return settings
    if settings.url_source in settings.export:
        return dataclasses.replace(settings, url=None, url_source="")
    where = settings.url_source or "--dbfleet-embedded"
    raise ConfigError(
        f"dbfleet: this is a Django suite (pytest-django, {django_fleet.settings_module(config)}"
        f"), whose databases come from DATABASES, but {where} also names one; remove it, or set "
        "dbfleet_django = false to provision that URL instead"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    namespace = early_config.known_args_namespace
    if getattr(namespace, "help", False) or getattr(namespace, "version", False):
        return
    with usage_errors():
        settings = _settings(early_config)
        early_config.stash[SETTINGS] = settings
        # A worker's own environment may hold no URL of its own (the controller rewrote
        # DATABASE_URL); the controller's message is what it runs on.
        if not settings.active and roles.controller_message() is None:
            return
        phases = Phases()
        options = vars(namespace)
        workers = distributes(options, os.environ)
        fitted = _fitted(early_config, workers, settings.rootdir)
        if fitted is not None:
            workers = fitted.best
            early_config.stash[FITTED] = fitted
        freeze = _process_option(early_config, "gc_freeze")
        warm = _warm_pool(early_config, workers, settings.rootdir, freeze)
        try:
            with _progress_shown(early_config):
                role = roles.start(
                    settings,
                    workers=workers,
                    migrating=options.get("dbfleet_provision") == "migrate",
                )
        except BaseException:
            if warm is not None:
                warm.pool.close()
            raise
        phases.mark("provisioned")
    early_config.stash[STATE] = role.state
    process.install(
        early_config, freeze=freeze, fast_exit=_process_option(early_config, "fast_exit")
    )
    early_config.pluginmanager.register(role, roles.PLUGIN_NAME)
    early_config.pluginmanager.register(phases, PHASES)
    if warm is not None:
        early_config.pluginmanager.register(warm, WARM)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A Django suite's templates, claimed before xdist starts any worker (its own hook is
    trylast; under ``-n`` they are built while the workers start) and after pytest-django has
    set Django up, even from a ``pytest_configure`` of the user's."""
    config = session.config
    settings = config.stash.get(SETTINGS, None)
    if settings is None or config.stash.get(STATE, None) is not None:
        return
    if not django_fleet.settings_module(config) or not _django_configured():
        return
    if config.getoption("collectonly"):
        return  # nothing runs, so nothing to provision (an IDE's discovery, say)
    with usage_errors(in_session=True), _progress_shown(config):
        fleet = django_fleet.DjangoFleet.start(config, settings)
    config.pluginmanager.register(fleet, django_fleet.PLUGIN_NAME)
    # Registered after pytest-django, so this module's django_db_setup replaces its own.
    config.pluginmanager.register(django_fleet, FIXTURES)
    # A Django suite is provisioned here, not at the initial conftests: the heap and the exit
    # start here too. Registered during this hook, the freezer misses its own session start.
    freeze = _process_option(config, "gc_freeze")
    process.install(config, freeze=freeze, fast_exit=_process_option(config, "fast_exit"))
    if freeze:
        process.freeze_heap()


@contextmanager
def _progress_shown(config: pytest.Config) -> Iterator[None]:
    """Let a long build show its progress on the terminal, past pytest's output capture, which
    holds everything written before the session starts until it ends."""
    capture = config.pluginmanager.getplugin("capturemanager")

    def write(text: str) -> None:
        with capture.global_and_fixture_disabled() if capture else nullcontext():
            sys.stdout.write(text)
            sys.stdout.flush()

    with capture.global_and_fixture_disabled() if capture else nullcontext():
        tty = sys.stdout.isatty()
    progress.set_sink(write, tty)
    try:
        yield
    finally:
        progress.set_sink(None, False)


#: The name the module holding the Django fixture is registered under.
FIXTURES = "dbfleet-django-fixtures"


def _django_configured() -> bool:
    if "django" not in sys.modules:
        return False
    from django.conf import settings

    return bool(settings.configured)


#: The worker count ``--dbfleet-fit-workers`` chose for ``-n auto``.
FITTED = pytest.StashKey[Fit]()


def _fitted(config: pytest.Config, workers: int, rootdir: Path) -> Fit | None:
    """The fastest worker count for ``-n auto`` under ``--dbfleet-fit-workers``, before any
    worker starts; None (xdist's own count) when the selection cannot be told from the
    command line (``-m``) or the store knows nothing."""
    namespace = config.known_args_namespace
    if not namespace.dbfleet_fit_workers or namespace.numprocesses not in ("auto", "logical"):
        return None
    marks = str(getattr(namespace, "markexpr", None) or "")
    if not workers or marks or roles.controller_message() is not None:
        return None
    try:
        store = duration_file.load(_durations_path(config))
    except DbfleetError:
        return None
    paths = [str(arg) for arg in getattr(namespace, "file_or_dir", None) or []]
    keyword = str(getattr(namespace, "keyword", "") or "")
    invocation = config.invocation_params.dir
    selected = predicted_selection(store, paths, keyword, rootdir, invocation)
    return fit(store, selected, workers) if selected else None


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    fitted = config.stash.get(FITTED, None)
    return None if fitted is None else fitted.best


def _warm_requested(config: pytest.Config) -> bool:
    return _process_option(config, "warm_workers")


def _warm_pool(
    config: pytest.Config, workers: int, rootdir: Path, freeze: bool
) -> WarmWorkers | None:
    """Start the warm interpreters now, in a controller that asked for them, so that their
    imports overlap with this process's own start (provisioning, conftests)."""
    if not workers or roles.controller_message() is not None or not _warm_requested(config):
        return None
    if not warm_available():
        return None
    return WarmWorkers(WarmPool.start(workers, rootdir, freeze), rootdir)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, object, object]:
    """The session's end, where ``process`` may arm the fast exit (only if it was asked for)."""
    with process.outermost() as outermost:
        try:
            status = yield
        except pytest.UsageError:
            # pytest prints it and exits 4 (a path that does not exist, found at collection).
            if outermost:
                process.session_over(config, pytest.ExitCode.USAGE_ERROR)
            raise
    if outermost:
        process.session_over(config, status)
    return status


def pytest_configure(config: pytest.Config) -> None:
    """Register the collectors the options ask for, each in the processes that need it."""
    plugins = config.pluginmanager
    state = config.stash.get(STATE, None)
    shard = config.getoption("dbfleet_shard")
    durations = _durations_path(config)
    plan = _plan_path(config)
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker: it selects and collects, the controller counts
        if state is not None and _warm_requested(config):
            plugins.register(ModuleReport(project_root(config)))
        if shard:
            workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
            plugins.register(ShardSelection(shard, durations, plan, workers))
        if workerinput.get(GROUPS_INPUT):
            plugins.register(GroupWriter(Path(workerinput[GROUPS_INPUT])))
        return
    workers = distributes(vars(config.option), os.environ)
    report, html = config.getoption("dbfleet_report"), config.getoption("dbfleet_html")
    if state is not None or report or html:
        record = RunRecord(started=state.started) if state is not None else RunRecord()
        plugins.register(Recorder(record, state, report, html), RECORDER)
    if shard:
        # Read the inputs here, before any worker starts: a bad file found in an xdist worker
        # would surface as INTERNALERROR, not as the one line a serial run gives.
        with usage_errors():
            duration_file.load(durations)
            saved_plan(plan, shard[1])
        if not workers:
            plugins.register(ShardSelection(shard, durations, plan, 1))
        plugins.register(ShardCheck(shard, workers), SHARD_CHECK)
    if config.getoption("dbfleet_dist"):
        with usage_errors():
            check_dist(config.getoption("dist", "no"))
            unit = unit_of(str(_lookup(config, "unit").value))
        plugins.register(DistController(workers, durations, unit))
    explicit = _lookup(config, "durations").given
    if state is not None or explicit or config.getoption("dbfleet_dist"):
        plugins.register(DurationRecorder(durations, state))
    fitted = config.stash.get(FITTED, None)
    if state is not None and (workers or fitted is not None):
        try:
            store = duration_file.load(durations)
        except DbfleetError:
            store = None
        if store is not None:
            plugins.register(FitCheck(store, workers, fitted), FIT_CHECK)


#: The name the shard check is registered under (its lines go into the summary).
SHARD_CHECK = "dbfleet-shard-check"
#: The name the worker-count check is registered under (its line goes into the summary).
FIT_CHECK = "dbfleet-fit-check"


def _durations_path(config: pytest.Config) -> Path:
    return project_root(config) / str(_lookup(config, "durations").value)


def _plan_path(config: pytest.Config) -> Path | None:
    given = _lookup(config, "shard_plan").text
    return project_root(config) / given if given else None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The run's one ``dbfleet`` section: provisioning, isolation, the shard check and what
    went wrong, in two or three lines; ``-v`` adds the run's numbers and its start-up (ten
    lines on every run buried the essentials). The numbers also go to GitHub's job summary
    when it is there to take them."""
    from dbfleet.isolation.plugin import summary_lines as isolation_lines

    if hasattr(config, "workerinput"):
        return
    plugins = config.pluginmanager
    lines: list[str] = []
    role = plugins.get_plugin(roles.PLUGIN_NAME)
    if isinstance(role, roles.Participant):
        lines += role.summary_lines()
        lines += isolation_lines(config)
    shard = plugins.get_plugin(SHARD_CHECK)
    if isinstance(shard, ShardCheck):
        lines += shard.summary_lines()
    django = plugins.get_plugin(django_fleet.PLUGIN_NAME)
    if isinstance(django, django_fleet.DjangoFleet):
        lines += django.summary_lines()
    sizing = plugins.get_plugin(FIT_CHECK)
    if isinstance(sizing, FitCheck):
        lines += sizing.summary_lines()
    recorder = plugins.get_plugin(RECORDER)
    summary = None
    recorded = isinstance(recorder, Recorder) and recorder.data and recorder.data["tests"]
    verbose = config.option.verbose > 0
    if isinstance(role, roles.Participant) and isinstance(recorder, Recorder) and recorded:
        summary = recorder.summary()
        if verbose:
            lines += render_lines(summary)
    phases = plugins.get_plugin(PHASES)
    if isinstance(phases, Phases):
        phases.mark("summary")
        if verbose:
            lines += phase_lines(phases.to_json())
    if not lines:
        return
    terminalreporter.write_sep("=", "dbfleet")
    for line in lines:
        terminalreporter.write_line(line)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary is not None and step_summary:
        with open(step_summary, "a", encoding="utf-8") as out:
            out.write(render_markdown(summary))


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
        pytest.fail(INACTIVE, pytrace=False)
    return state.database


@pytest.fixture(scope="session")
def dbfleet_url(dbfleet_database: FleetDatabase) -> str:
    """This worker's database URL, password included, driver kept (``+asyncpg`` …).

    A ``str`` whose repr hides the password, so a failing test's traceback or assertion
    message shows ``***`` while connecting with it still works.
    """
    return SecretURL(dbfleet_database.url)
