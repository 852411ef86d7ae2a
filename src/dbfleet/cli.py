"""The ``dbfleet`` command: list, gc, drop, adopt, doctor, bench, demo, plan and durations.

``main`` returns an exit code and never calls ``sys.exit`` below it; every DbfleetError becomes
one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import URL

from dbfleet import __version__
from dbfleet.backends import names_a_file, open_backend
from dbfleet.config import Settings, resolve
from dbfleet.embedded import start_embedded
from dbfleet.errors import ConfigError, DbfleetError
from dbfleet.fleet import Collected, collect, remove
from dbfleet.inifile import find_pytest_config
from dbfleet.scheduling.duration_file import DEFAULT_PATH as DEFAULT_DURATIONS
from dbfleet.urls import parse_url, redacted

if TYPE_CHECKING:
    from dbfleet.bench.modes import Mode
    from dbfleet.bench.result import BenchResult


def _settings_here(given: str | None, where: Path | None = None) -> tuple[Settings, Path]:
    """The settings a pytest run in ``where`` (default: here) would resolve, and its rootdir."""
    here = where or Path.cwd()
    found = find_pytest_config(here)
    rootdir, ini = (found[0].parent, found[1]) if found else (here, {})
    return resolve({"url": given}, os.environ, ini, rootdir), rootdir


def _server_url(given: str | None, where: Path | None = None) -> tuple[URL, Any]:
    """The server the plugin would use in ``where`` (default: here): ``--url``, else the same
    sources in the same order as a pytest run there (``DBFLEET_URL``, ``dbfleet_url`` with
    ``env:NAME``, then ``DATABASE_URL`` and the other ``dbfleet_export`` variables)."""
    settings, rootdir = _settings_here(given, where)
    if settings.embedded is not None:
        embedded = settings.embedded
        return start_embedded(rootdir, embedded.database, embedded.drivername)
    if settings.url is None:
        raise ConfigError(
            "dbfleet: no server given; pass --url, set DATABASE_URL or DBFLEET_URL, or set "
            "dbfleet_url in the project's pytest configuration"
        )
    return parse_url(settings.url), None


def _server_urls(given: str | None) -> list[URL]:
    """The servers ``list``, ``gc`` and ``drop`` act on: a Django suite's test databases (read
    from ``DATABASES``, as its runs read them) when no ``--url`` is given, else ``_server_url``."""
    if given is None:
        from dbfleet.django.command import suite_urls

        here = Path.cwd()
        found = find_pytest_config(here)
        if found is not None:
            urls = suite_urls(found[1], os.environ, found[0].parent)
            if urls:
                return urls
    return [_server_url(given)[0]]


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _alive(alive: bool | None) -> str:
    return {True: "alive", False: "gone", None: "unknown"}[alive]


def cmd_list(args: argparse.Namespace) -> int:
    """This project's databases (its base names'); every dbfleet database with ``--all``, since
    a shared server holds other projects' too and they are not this project's business."""
    for url in _server_urls(args.url):
        _list(url, every=args.all)
    return 0


def _list(url: URL, *, every: bool) -> None:
    backend = open_backend(url)
    try:
        managed = backend.list_managed()
        base = None if every else backend.base_name
    finally:
        backend.close()
    print(f"server: {redacted(url)}")
    if base is not None:
        managed = [db for db in managed if db.marker.base == base]
    if not managed:
        mine = "" if base is None else f" for {base} (--all lists every base's)"
        print(f"no databases managed by dbfleet{mine}")
        return
    rows = [("NAME", "KIND", "FINGERPRINT", "AGE", "OWNER", "STATUS")]
    now = time.time()
    for db in managed:
        marker = db.marker
        status = "-" if marker.kind == "template" else _alive(marker.owner_alive())
        rows.append(
            (
                db.name,
                marker.kind,
                marker.fingerprint[:10],
                _age(marker.age(now)),
                f"{marker.host}:{marker.pid}",
                status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def cmd_gc(args: argparse.Namespace) -> int:
    found: list[Collected] = []
    for url in _server_urls(args.url):
        backend = open_backend(url)
        try:
            base = None if args.all_bases else backend.base_name
            found += collect(backend, base=base, dry_run=args.dry_run)
        finally:
            backend.close()
    return _say_dropped(found, args.dry_run, "nothing to collect")


def _say_dropped(found: Sequence[Collected], dry_run: bool, nothing: str) -> int:
    verb = "would drop" if dry_run else "dropped"
    for item in found:
        print(f"{verb} {item.name} ({item.kind}: {item.reason})")
    if not found:
        print(nothing)
    return 0


def cmd_drop(args: argparse.Namespace) -> int:
    """Remove what dbfleet made for the URL's base (templates with --templates)."""
    found: list[Collected] = []
    bases = []
    for url in _server_urls(args.url):
        backend = open_backend(url)
        bases.append(backend.base_name)
        try:
            found += remove(
                backend, base=backend.base_name, templates=args.templates, dry_run=args.dry_run
            )
        finally:
            backend.close()
    return _say_dropped(found, args.dry_run, f"nothing of {', '.join(bases)} to drop")


def cmd_adopt(args: argparse.Namespace) -> int:
    """List the unmarked databases on this project's names, then, once confirmed, drop
    exactly those: how a hand-written conftest's leftovers stop blocking the first run."""
    from dbfleet.adopt import in_the_way, size, take_over

    url, _server = _server_url(args.url)
    namespace = _settings_here(args.url)[0].namespace
    backend = open_backend(url)
    try:
        found = in_the_way(backend, namespace)
        print(f"server: {redacted(url)}")
        if not found:
            print("nothing in the way: every database on this project's names is dbfleet's own")
            return 0
        print(f"{len(found)} database(s) on this project's names were not created by dbfleet:")
        width = max(len(item.name) for item in found)
        for item in found:
            print(f"  {item.name.ljust(width)}  {size(item.contents)}")
        if not args.yes:
            if not sys.stdin.isatty():
                print(
                    "dbfleet adopt: not dropped; re-run with --yes to drop exactly these",
                    file=sys.stderr,
                )
                return 1
            answer = input("drop them? dbfleet will then create its own in their place [y/N] ")
            if answer.strip().lower() != "y":
                print("nothing dropped")
                return 1
        names = [item.name for item in found]
        dropped = take_over(backend, names, namespace)
    finally:
        backend.close()
    for name in dropped:
        print(f"dropped {name}")
    kept = [name for name in names if name not in dropped]
    if kept:
        print(
            f"dbfleet adopt: {', '.join(kept)} kept: in use or changed since the listing; "
            "close its sessions and run dbfleet adopt again",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """What the project's dbfleet set-up is, one line each; exit 1 on a problem."""
    from dbfleet.doctor import main_lines

    lines, code = main_lines(Path(args.path).resolve(), verbose=args.verbose)
    for line in lines:
        print(line)
    return code


def cmd_bench(args: argparse.Namespace) -> int:
    from dbfleet.bench.orchestrate import BenchOptions, run_bench, select_modes

    names = [name.strip() for name in args.modes.split(",") if name.strip()]
    options = BenchOptions(
        path=Path(args.path).resolve(),
        modes=select_modes(names, _commands(args.baseline, args.mode)),
        workers=str(args.workers),
        dist=args.dist,
        repeat=args.repeat,
        extra=args.extra,
    )
    return _report(run_bench(options, _progress), args)


def _commands(baseline: str | None, modes: Sequence[str]) -> list[tuple[str, str]]:
    """``--baseline CMD`` and each ``--mode NAME=CMD``, as (name, command)."""
    commands = [("baseline", baseline)] if baseline else []
    for text in modes:
        name, sep, command = text.partition("=")
        if not sep or not name.strip() or not command.strip():
            raise ConfigError(f"dbfleet bench: --mode {text!r} is not NAME=CMD")
        commands.append((name.strip(), command.strip()))
    return commands


#: Turns on the example's hand-written database set-up (examples/ledger/tests/handwritten.py).
HANDWRITTEN_ENV = "LEDGER_TEST_DATABASES"


def demo_modes(example: Path, workers: int, extra: Sequence[str]) -> tuple[list[Mode], Any]:
    """What a team chooses between, on the bundled example: its hand-written conftest (a
    database per worker, migrated in each, a TRUNCATE and re-seed before every test) serially
    and at ``-n N``, against dbfleet serially, at ``-n N`` and with ``--dbfleet-dist``.

    The hand-written modes run without the plugin, so the demo starts (or joins) the server
    they share with dbfleet's modes and keeps it up for the whole series; their base database
    is the example's with ``_handwritten`` added, so the two never touch each other's."""
    from dbfleet.bench.modes import MODES, command_mode

    url, server = _server_url(None, example)
    if names_a_file(url) and url.database:
        path = Path(url.database)
        own = url.set(database=str(path.with_name(f"{path.stem}_handwritten{path.suffix}")))
    else:
        own = url.set(database=f"{url.database}_handwritten")
    env = {HANDWRITTEN_ENV: "handwritten", "DATABASE_URL": own.render_as_string(False)}
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:dbfleet", "-p", "no:cacheprovider"]

    def handwritten(name: str, count: int) -> Mode:
        args = [*pytest, *(["-n", str(count)] if count > 1 else []), *extra]
        return command_mode(name, shlex.join(args), env=env, workers=count)

    modes = [
        handwritten("handwritten", 1),
        handwritten(f"handwritten -n {workers}", workers),
        MODES["serial"],
        MODES["dbfleet"],
        MODES["dist"],
    ]
    return modes, server


def cmd_demo(args: argparse.Namespace) -> int:
    from dbfleet.bench.orchestrate import BenchOptions, run_bench

    example = Path(__file__).resolve().parents[2] / "examples" / "ledger"
    if not example.is_dir():
        raise ConfigError(
            f"dbfleet demo runs the bundled example at {example}, which is only in a source "
            "checkout; clone the repository and run it there"
        )
    where = "the server in DBFLEET_URL" if os.environ.get("DBFLEET_URL") else "embedded PostgreSQL"
    print(f"dbfleet demo: the ledger example's suite on {where}", flush=True)
    workers = os.cpu_count() or 2 if args.workers == "auto" else int(args.workers)
    modes, server = demo_modes(example, workers, args.extra)
    options = BenchOptions(
        path=example, modes=modes, workers=str(workers), repeat=args.repeat, extra=args.extra
    )
    result = run_bench(options, _progress)
    del server  # the embedded server's handle stops it at exit, after the whole series
    return _report(result, args)


def cmd_durations_merge(args: argparse.Namespace) -> int:
    """One store from several (e.g. every CI shard's): a join, so order and repeats don't matter."""
    from dbfleet.scheduling import duration_file

    stores = [duration_file.load(_existing(Path(name))) for name in args.files]
    merged = duration_file.merge_into(Path(args.output), stores)
    print(f"{args.output}: {len(merged.tests)} tests, {len(merged.units)} units")
    return 0


class _Collected:
    """Records the collected tests and their ``xdist_group`` names, as the plugin sees them."""

    def __init__(self) -> None:
        self.nodeids: list[str] = []
        self.groups: dict[str, str] = {}

    def pytest_collection_finish(self, session: Any) -> None:
        """The final selection: after ``-m``, ``-k``, ``--deselect`` and every plugin's own."""
        from dbfleet.scheduling.xdist import xdist_groups

        self.nodeids = [item.nodeid for item in session.items]
        self.groups = xdist_groups(session.items)


def cmd_plan(args: argparse.Namespace) -> int:
    """The shard plan ``--dbfleet-shard K/N`` runs, from a collection of the suite here."""
    import contextlib
    import io
    import json

    import pytest

    from dbfleet.jsonfile import write_json
    from dbfleet.scheduling import duration_file
    from dbfleet.scheduling.shards import TOLERANCE, plan_for_tests

    if args.shards < 1 or args.workers < 1:
        raise ConfigError("dbfleet: --shards and --workers must be at least 1")
    collected = _Collected()
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = pytest.main(["--collect-only", "-q", *args.extra], plugins=[collected])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        print(output.getvalue(), file=sys.stderr)
        raise ConfigError(f"dbfleet: collecting the tests failed (pytest exit code {int(code)})")
    store = duration_file.load(Path(args.durations))
    previous = _previous_plan(Path(args.previous)) if args.previous else None
    plan = plan_for_tests(
        collected.nodeids,
        collected.groups,
        store,
        args.shards,
        args.workers,
        previous=previous,
        tolerance=TOLERANCE,
    )
    if args.output:
        write_json(Path(args.output), plan.to_json())
    if args.github_matrix:
        shards = [f"{shard.number}/{plan.n_shards}" for shard in plan.shards if not shard.empty]
        print(json.dumps({"shard": shards}))
    elif args.json:
        print(json.dumps(plan.to_json(), indent=1))
    else:
        print(f"{len(collected.nodeids)} tests, {args.shards} shards of {args.workers} worker(s)")
        for shard in plan.shards:
            print(
                f"  shard {shard.number}/{plan.n_shards}: {len(shard.tests)} tests in "
                f"{len(shard.units)} units, predicted {shard.predicted_wall:.1f}s"
                + (f" ({shard.empty_reason})" if shard.empty else "")
            )
        if previous is not None:
            print(f"  {len(plan.moved)} unit(s) moved from the previous plan")
    return 0


def _previous_plan(path: Path) -> dict[str, int] | None:
    """The last plan's assignment, so units stay on their shard; none yet is a first plan."""
    from dbfleet.scheduling.shards import load_assignment

    return load_assignment(path)[0] if path.is_file() else None


def cmd_audit_ci(args: argparse.Namespace) -> int:
    """Read the workflows, print one finding a line (or JSON, or GitHub annotations)."""
    import json
    import re

    from dbfleet.audit.checks import audit
    from dbfleet.audit.workflows import load_folder
    from dbfleet.scheduling import duration_file

    for pattern in args.test_command:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(
                f"dbfleet: --test-command {pattern!r} is not a regular expression: {error}"
            ) from None
    workflows = load_folder(Path(args.path))
    suite_seconds = None
    store_path = Path(args.durations)
    if store_path.is_file():
        store = duration_file.load(store_path)
        suite_seconds = sum(measured.timing.total for measured in store.tests.values())
    findings = audit(workflows, args.test_command, suite_seconds)
    if args.json:
        print(json.dumps([finding.to_json() for finding in findings], indent=2))
    else:
        for finding in findings:
            if args.github:
                # GitHub's workflow-command escaping: data, then the property values.
                message = finding.text().partition(": ")[2]
                message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
                where = finding.path.replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
                print(f"::warning file={where},line={finding.line}::{message}")
            else:
                print(finding.text())
        tested = len(workflows)
        print(
            f"dbfleet audit-ci: {len(findings)} finding(s) in {tested} workflow file(s)",
            file=sys.stderr,
        )
    return 1 if findings and args.strict else 0


def cmd_verify_shards(args: argparse.Namespace) -> int:
    """Exit 1 unless the shard runs' reports show every collected test run exactly once."""
    import json

    from dbfleet.scheduling.shard_check import ShardRun, verify

    runs = []
    for name in args.reports:
        path = _existing(Path(name))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            runs.append(ShardRun.from_json(data["shard"]))
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f"dbfleet: {path} is not the --dbfleet-report of a --dbfleet-shard run"
            ) from None
    problems = verify(runs)
    for problem in problems:
        print(f"dbfleet: {problem}")
    if problems:
        return 1
    tests = len(set().union(*(run.collection for run in runs)))
    print(f"dbfleet: {len(runs)} shards ran all {tests} collected tests, each exactly once")
    return 0


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise ConfigError(f"dbfleet: {path} does not exist")
    return path


def _progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def _report(result: BenchResult, args: argparse.Namespace) -> int:
    from dbfleet.bench.page import render_page
    from dbfleet.bench.result import render_markdown, render_terminal
    from dbfleet.jsonfile import write_json

    print()
    print(render_terminal(result))
    if args.json:
        write_json(Path(args.json), result.to_json())
        print(f"json: {args.json}")
    if args.markdown:
        Path(args.markdown).write_text(render_markdown(result))
        print(f"markdown: {args.markdown}")
    if args.html:
        Path(args.html).parent.mkdir(parents=True, exist_ok=True)
        Path(args.html).write_text(render_page(result), encoding="utf-8")
        print(f"html: {args.html}")
    return 0 if result.identical else 1


def _add_bench_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", default="auto", help="xdist workers (-n); default auto")
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode; median reported")
    parser.add_argument("--json", metavar="PATH", help="write the result as JSON")
    parser.add_argument("--markdown", metavar="PATH", help="write a Markdown block for a PR")
    parser.add_argument(
        "--html",
        metavar="PATH",
        help="write one self-contained page: a bar per mode, one run's timeline per mode",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dbfleet", description="Manage the databases pytest-dbfleet creates."
    )
    parser.add_argument("--version", action="version", version=f"dbfleet {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("list", cmd_list, "list the databases dbfleet made for the URL's base name"),
        ("gc", cmd_gc, "drop databases of dead runs and superseded templates"),
        ("drop", cmd_drop, "drop every database dbfleet made for the URL's base name"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--url",
            help="server URL (default: what a pytest run here would use: DBFLEET_URL, "
            "dbfleet_url, DATABASE_URL)",
        )
        sub.set_defaults(func=func)
        if name == "list":
            sub.add_argument(
                "--all",
                action="store_true",
                help="every dbfleet database on the server, not only the URL's base name's",
            )
        if name in ("gc", "drop"):
            sub.add_argument("--dry-run", action="store_true", help="only say what would go")
        if name == "drop":
            sub.add_argument(
                "--templates",
                action="store_true",
                help="templates too (the next run builds one again); never one a live run uses",
            )
        if name == "gc":
            sub.add_argument(
                "--all-bases",
                action="store_true",
                help="collect for every base on the server, not only the URL's base name",
            )
    adopt = commands.add_parser(
        "adopt",
        help="drop the databases without dbfleet's marker that sit on this project's names",
        description="List every database on a name this project's runs use (the base, "
        "base_gwN, templates) that dbfleet did not create, such as a hand-written conftest's "
        "leftovers, with its tables and size; once confirmed (a typed y, or --yes), drop "
        "exactly those, so that dbfleet can create its own.",
    )
    adopt.add_argument(
        "--url",
        help="server URL (default: what a pytest run here would use: DBFLEET_URL, "
        "dbfleet_url, DATABASE_URL)",
    )
    adopt.add_argument("--yes", action="store_true", help="drop without asking (for scripts)")
    adopt.set_defaults(func=cmd_adopt)
    doctor = commands.add_parser(
        "doctor",
        help="say what the project's dbfleet set-up is and what will trip it; exit 1 on a problem",
    )
    doctor.add_argument("path", nargs="?", default=".", help="the project's directory")
    doctor.add_argument(
        "-v", "--verbose", action="store_true", help="also list every file in the fingerprint"
    )
    doctor.set_defaults(func=cmd_doctor)
    bench = commands.add_parser(
        "bench",
        help="run a suite serially and in parallel; compare speed and outcomes",
        description="Run the suite at PATH in each mode and compare wall time, provisioning "
        "and per-test outcomes with serial's; exit 1 if any outcome differs. Arguments after "
        "-- go to every pytest run.",
    )
    bench.add_argument("path", nargs="?", default=".", help="the suite's directory")
    _add_bench_options(bench)
    bench.add_argument(
        "--modes",
        default="serial,dbfleet,dist",
        help="comma-separated subset of serial,naive,dbfleet,dist (serial always runs first)",
    )
    bench.add_argument("--dist", default="loadfile", help="xdist --dist for the parallel modes")
    bench.add_argument(
        "--baseline",
        metavar="CMD",
        help="also run CMD as it is (your current `pytest -n auto` with your own conftest), "
        "in the same interleaved series, outcomes compared through JUnit XML",
    )
    bench.add_argument(
        "--mode",
        action="append",
        default=[],
        metavar="NAME=CMD",
        help="another command to run as mode NAME (repeatable)",
    )
    bench.set_defaults(func=cmd_bench)
    demo = commands.add_parser(
        "demo", help="bench the bundled ledger example (embedded PostgreSQL unless DBFLEET_URL)"
    )
    _add_bench_options(demo)
    demo.set_defaults(func=cmd_demo)
    plan = commands.add_parser(
        "plan",
        help="show the CI shard plan --dbfleet-shard K/N will run",
        description="Collect the suite here (pytest --collect-only; arguments after -- go to "
        "it) and print the plan that --dbfleet-shard K/N runs, from the duration store.",
    )
    plan.add_argument("--shards", type=int, required=True, help="number of CI jobs (N)")
    plan.add_argument("--workers", type=int, default=1, help="xdist workers per shard (-n)")
    plan.add_argument(
        "--durations", default=str(DEFAULT_DURATIONS), help="the duration store to plan from"
    )
    shown = plan.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print the plan as JSON")
    shown.add_argument(
        "--github-matrix",
        action="store_true",
        help='print {"shard": ["1/N", ...]} for a GitHub Actions matrix (empty shards left out)',
    )
    plan.add_argument(
        "--previous",
        metavar="PATH",
        help="the last saved plan: its units keep their shard unless the plan would be more "
        "than 10%% slower (a missing file is a first plan)",
    )
    plan.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="save the plan as JSON, for --dbfleet-shard-plan and the next --previous",
    )
    plan.set_defaults(func=cmd_plan)
    verify_shards = commands.add_parser(
        "verify-shards",
        help="check that CI shards ran every collected test exactly once",
        description="Read each shard's run report (pytest --dbfleet-shard K/N --dbfleet-report "
        "PATH) and check that all N shards ran, collected the same tests, ran their planned "
        "tests, and together ran each test exactly once. Exit 1 otherwise.",
    )
    verify_shards.add_argument("reports", nargs="+", metavar="REPORT", help="run reports (JSON)")
    verify_shards.set_defaults(func=cmd_verify_shards)
    audit_ci = commands.add_parser(
        "audit-ci",
        help="find the test suite your CI workflows run twice for one commit",
        description="Read the GitHub Actions workflow files at PATH (nothing runs) and report, "
        "one finding a line with file:line and the fix: a test command two workflows run for "
        "the same event and branch, push and pull_request both testing one commit, matrix "
        "legs or shards that overlap or leave tests out, shards nobody fans in, and deploy "
        "jobs that wait for no test.",
    )
    audit_ci.add_argument(
        "path", nargs="?", default=".github/workflows", help="the workflows' folder"
    )
    audit_ci.add_argument(
        "--test-command",
        action="append",
        default=[],
        metavar="PATTERN",
        help="a regular expression for another command that runs the tests (repeatable)",
    )
    audit_ci.add_argument(
        "--durations",
        default=str(DEFAULT_DURATIONS),
        help="a duration store, for the minutes a repeated run costs (default %(default)s)",
    )
    output = audit_ci.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the findings as JSON")
    output.add_argument(
        "--github", action="store_true", help="print GitHub's ::warning file=…,line=… annotations"
    )
    audit_ci.add_argument("--strict", action="store_true", help="exit 1 on any finding")
    audit_ci.set_defaults(func=cmd_audit_ci)
    stores = commands.add_parser("durations", help="work with duration stores")
    actions = stores.add_subparsers(dest="action", required=True)
    merge = actions.add_parser(
        "merge",
        help="merge duration stores (e.g. each CI shard's) into OUT",
        description="Merge duration stores into OUT (which is merged too, if it exists), "
        "under OUT's lock; per test the measurement with the most runs wins.",
    )
    merge.add_argument("files", nargs="+", metavar="FILE", help="durations files to merge")
    merge.add_argument("-o", "--output", required=True, metavar="OUT", help="the merged store")
    merge.set_defaults(func=cmd_durations_merge)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in words:
        extra = words[words.index("--") + 1 :]
        words = words[: words.index("--")]
    args = build_parser().parse_args(words)
    args.extra = extra
    try:
        code: int = args.func(args)
    except DbfleetError as error:
        print(str(error), file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
