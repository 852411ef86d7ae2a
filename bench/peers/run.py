"""One suite, each peer's own set-up, side by side (issue 26 item 5).

    python bench/peers/run.py [--repeat N] [--quick] [--venvs DIR] [--out PATH]

The suite (``suite/``: SQLAlchemy 2 models, 200 tests of inserts, queries and constraint
violations, plus 10 async tests) is written once; each peer gets a thin conftest adapter
(``adapters/<peer>/``) giving the same ``session`` fixture the way that peer's documentation
sets it up, and runs in a virtualenv of its own under ``--venvs`` (default
``~/.cache/dbfleet-peers``), created here with exact versions from PyPI (dbfleet: this checkout,
editable). Against the PostgreSQL at 127.0.0.1:5432 (user postgres), except py-pglite, which
starts PGlite under Node.js.

Per peer, after one untimed warm-up (the quick selection, serial and ``-n 2``: packages fetched,
templates built), every repetition runs the suite serially and with ``-n 2``. The probe plugin
(``probe.py``) records each process's first test ready (time to first test, from the launch),
every test's setup + teardown (the isolation's cost) and every outcome; outcomes must be the
same test ids with the same results for every peer. A peer that cannot run here keeps its row,
with the reason. Prints a table and a Markdown table, writes ``bench/results/peers.json``
(``--quick``: a file under ``--venvs``, as its numbers mean nothing).

Left on the server between runs, as each set-up leaves them: dbfleet's template,
pytest-sqlalchemy-alembic's ``peers_sqla`` and its reused ``peers_sqla_test_<worker>``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import report  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "peers.json"

#: The same versions in every virtualenv, so only the peer differs.
COMMON = [
    "pytest==9.2.0",
    "pytest-xdist==3.8.0",
    "sqlalchemy==2.1.9",
    "greenlet==3.5.6",
    "psycopg[binary]==3.3.9",
    "pytest-asyncio==1.5.0",
]

#: Ten tests across every file (the async file only where it runs): the warm-up and ``--quick``.
QUICK = [
    "test_inserts.py::test_insert_author_is_alone[0]",
    "test_inserts.py::test_insert_author_is_alone[1]",
    "test_inserts.py::test_insert_books_committed[3]",
    "test_queries.py::test_sum_of_prices[4]",
    "test_queries.py::test_order_and_limit[0]",
    "test_constraints.py::test_duplicate_email[0]",
    "test_constraints.py::test_missing_author[0]",
    "test_constraints.py::test_negative_price[0]",
    "test_constraints.py::test_duplicate_title_per_author[0]",
    "test_async.py::test_async_insert_is_alone[0]",
    "test_async.py::test_async_duplicate_email[0]",
]

SUITE_FILES = ["test_inserts.py", "test_queries.py", "test_constraints.py"]
ASYNC_FILE = "test_async.py"


@dataclass(frozen=True)
class Peer:
    """One row: a set-up, the virtualenv it runs in and what that virtualenv installs."""

    name: str
    venv: str
    packages: tuple[str, ...]
    adapter: str
    relevant: tuple[str, ...]
    args: tuple[str, ...] = ()
    no_async: str = ""  # why the async variant is not run, when it is not
    probe_package: str = ""  # a package `pip download` must find before anything is set up
    editable: bool = False
    env: tuple[tuple[str, str], ...] = ()  # set for this peer's runs (and said in its row)
    app_database: str = ""  # the application's own database, which the peer expects to exist
    no_parallel: str = ""  # why the ``-n 2`` runs are not run, when they are not


PEERS = [
    Peer(
        "dbfleet (rollback)",
        "dbfleet",
        (),
        "dbfleet",
        ("pytest-dbfleet",),
        args=("--dbfleet-isolation", "rollback"),
        editable=True,
    ),
    Peer(
        "dbfleet (reset)",
        "dbfleet",
        (),
        "dbfleet",
        ("pytest-dbfleet",),
        args=("--dbfleet-isolation", "reset"),
        editable=True,
    ),
    Peer(
        "pytest-postgresql (noproc)",
        "pytest-postgresql",
        ("pytest-postgresql==10.0.0",),
        "pytest_postgresql",
        ("pytest-postgresql",),
    ),
    Peer(
        "py-pglite",
        "py-pglite",
        ("py-pglite[sqlalchemy]==0.5.3",),
        "py_pglite",
        ("py-pglite",),
        no_async="its async client (asyncpg) needs TCP mode, which allows one connection",
        # psycopg's binary wheel (libpq 18) never finishes connecting to pglite-socket 0.0.8;
        # its pure-Python implementation on the system's libpq does.
        env=(("PSYCOPG_IMPL", "python"),),
        # SQLAlchemyPGliteManager.stop() ends with _kill_all_pglite_processes(): the first
        # worker to finish kills the other's PGlite, whose next connect then waits forever.
        no_parallel="-n 2: the first worker to finish kills every PGlite on the machine "
        "(SQLAlchemyPGliteManager.stop), the other worker then hangs",
    ),
    Peer(
        "pytest-sqlalchemy-alembic",
        "pytest-sqlalchemy-alembic",
        ("pytest-sqlalchemy-alembic==0.2.0",),
        "sqlalchemy_alembic",
        ("pytest-sqlalchemy-alembic", "alembic"),
        # With pytest-asyncio active it registers its per-test fixture as a bare async fixture,
        # which pytest-asyncio's strict mode refuses for every test: the sync set-up runs without.
        args=("--nomigrations", "-p", "no:asyncio"),
        app_database="peers_sqla",
        no_async="its async mode wants an async sessionmaker and asyncio_mode=auto",
    ),
    Peer(
        "hand-written conftest",
        "handwritten",
        (),
        "handwritten",
        (),
    ),
    Peer(
        "pytest-pglite (Wasmtime)",
        "pytest-pglite",
        ("pytest-pglite",),
        "",
        ("pytest-pglite",),
        probe_package="pytest-pglite",
    ),
]


class PeerUnavailable(Exception):
    """The peer cannot run here; the message is the row's reason."""


def say(message: str) -> None:
    print(f"[peers {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    # pip's clearest reason, when there is one: the versions that exist need another Python.
    needs = re.findall(r"(\S+) Requires-Python (\S+?);?(?:\s|$)", output)
    if needs:
        wanted = ", ".join(sorted({need for _, need in needs}))
        return f"its releases ({needs[0][0]} to {needs[-1][0]}) require Python {wanted}"
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or ["no output"])[-1][:300]


def ensure_venv(peer: Peer, venvs: Path) -> Path:
    """The peer's virtualenv, created and installed once per install spec (a changed pin or
    checkout makes a new install)."""
    spec = [*COMMON, *peer.packages]
    if peer.editable:
        spec.append(f"-e{ROOT}[postgres,xdist]")
    digest = hashlib.sha256("\n".join(spec).encode()).hexdigest()[:12]
    venv = venvs / peer.venv
    python = venv / "bin" / "python"
    marker = venv / "peers-spec.txt"
    if marker.exists() and marker.read_text() == digest and python.exists():
        return python
    if peer.probe_package:
        say(f"{peer.name}: pip download {peer.probe_package} (is there a distribution?)")
        with tempfile.TemporaryDirectory() as tmp:
            found = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "-d",
                    tmp,
                    peer.probe_package,
                ],
                capture_output=True,
                text=True,
            )
        if found.returncode != 0:
            raise PeerUnavailable(
                f"pip download finds no distribution for Python "
                f"{platform.python_version()}: {_last_error(found.stderr)}"
            )
    shutil.rmtree(venv, ignore_errors=True)
    say(f"{peer.name}: creating {venv}")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    say(f"{peer.name}: pip install {' '.join(spec)} (can take minutes)")
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *spec],
        capture_output=True,
        text=True,
    )
    if installed.returncode != 0:
        raise PeerUnavailable(f"pip install failed: {_last_error(installed.stderr)}")
    marker.write_text(digest)
    return python


def freeze(python: Path, peer: Peer) -> dict[str, str]:
    """Exact versions of the packages that matter for the row (the peer's and the common pins)."""
    out = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wanted = {name.split("[")[0].split("=")[0].lower() for name in [*COMMON, *peer.relevant]}
    wanted |= {"psycopg-binary"} | ({"pytest-dbfleet"} if peer.editable else set())
    return {
        p["name"]: p["version"]
        for p in json.loads(out)
        if p["name"].lower().replace("_", "-") in wanted
    }


#: Run by the peer's interpreter (its psycopg): create the application's database if missing.
CREATE_DATABASE = """
import sys, psycopg
from psycopg import sql
with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
    if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[1]]).fetchone():
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(sys.argv[1])))
"""


def make_project(peer: Peer, projects: Path) -> Path:
    """The suite's files with the peer's adapter beside them: the tests never change."""
    project = projects / peer.adapter
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(HERE / "suite", project, ignore=shutil.ignore_patterns("__pycache__"))
    for item in (HERE / "adapters" / peer.adapter).iterdir():
        shutil.copy(item, project / item.name)
    shutil.copy(HERE / "probe.py", project / "probe.py")
    return project


def run_once(
    peer: Peer,
    python: Path,
    project: Path,
    selection: list[str],
    workers: int,
    work: Path,
    timeout: float,
) -> dict[str, Any]:
    """One pytest process: its wall time, the probe's files and the output's tail on failure."""
    probe_dir = Path(tempfile.mkdtemp(prefix="probe-", dir=work))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DBFLEET_", "PYTEST_", "PG"))
        and k not in ("DATABASE_URL", "PYTHONPATH")
    }
    env.update(
        PEERS_OUT=str(probe_dir),
        PYTHONPATH=str(project),
        PEERS_PGLITE_WORK=str(work / "pglite-npm"),
        **dict(peer.env),
    )
    command = [
        str(python),
        "-m",
        "pytest",
        "-p",
        "probe",
        "-p",
        "no:cacheprovider",
        "-q",
        *peer.args,
        *selection,
    ]
    if workers:
        command += ["-n", str(workers)]
    launched = time.time()
    # A session of its own, so a hung run is ended with everything it started (Node.js too).
    process = subprocess.Popen(
        command,
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output = process.communicate()[0] + f"\ntimed out after {timeout} s"
    wall = time.time() - launched
    processes = [json.loads(p.read_text()) for p in sorted(probe_dir.glob("*.json"))]
    shutil.rmtree(probe_dir, ignore_errors=True)
    first = [p["first_ready"] - launched for p in processes if p["first_ready"] is not None]
    return {
        "workers": workers,
        "exit": process.returncode,
        "wall": wall,
        "first_test": {
            p["worker"]: p["first_ready"] - launched
            for p in processes
            if p["first_ready"] is not None
        },
        "first_test_slowest": max(first) if first else None,
        "isolation": report.isolation_costs(processes),
        "outcomes": report.outcomes(processes),
        "tail": "" if processes and process.returncode in (0, 1) else output[-2000:],
    }


def selection_for(peer: Peer, quick: bool) -> list[str]:
    files = SUITE_FILES if peer.no_async else [*SUITE_FILES, ASYNC_FILE]
    if quick:
        return [test for test in QUICK if test.split("::")[0] in files]
    return files


def bench_peer(peer: Peer, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    row: dict[str, Any] = {
        "peer": peer.name,
        "async": peer.no_async or "yes",
        "parallel": peer.no_parallel or "yes",
        "notes": "; ".join(
            note
            for note in (
                peer.no_async and f"no async: {peer.no_async}",
                peer.no_parallel,
                *(f"{k}={v}" for k, v in peer.env),
            )
            if note
        ),
        "env": dict(peer.env),
        "args": list(peer.args),
    }
    try:
        python = ensure_venv(peer, args.venvs)
    except PeerUnavailable as unavailable:
        say(f"{peer.name}: not run: {unavailable}")
        return {**row, "status": "not run", "reason": str(unavailable)}
    row["versions"] = freeze(python, peer)
    project = make_project(peer, work / "projects")
    if peer.app_database:
        made = subprocess.run(
            [str(python), "-c", CREATE_DATABASE, peer.app_database], capture_output=True, text=True
        )
        if made.returncode != 0:
            reason = f"the application's database: {_last_error(made.stderr)}"
            return {**row, "status": "not run", "reason": reason}
    modes = (0,) if peer.no_parallel else (0, 2)
    say(f"{peer.name}: warm-up (quick selection, serial{'' if peer.no_parallel else ' and -n 2'})")
    for workers in modes:
        warm = run_once(peer, python, project, selection_for(peer, True), workers, work, 600)
        if not warm["outcomes"]:
            reason = f"the warm-up ran no test (exit {warm['exit']}): {warm['tail'][-300:]}"
            say(f"{peer.name}: not run: {reason}")
            return {**row, "status": "not run", "reason": reason}
    runs = []
    for repeat in range(args.repeat):
        for workers in modes:
            say(f"{peer.name}: run {repeat + 1}/{args.repeat}, {'-n 2' if workers else 'serial'}")
            runs.append(
                run_once(
                    peer,
                    python,
                    project,
                    selection_for(peer, args.quick),
                    workers,
                    work,
                    600 if args.quick else 3600,
                )
            )
    return {**row, "status": "ran", "runs": runs}


def summarize(row: dict[str, Any], reference: dict[str, str] | None) -> dict[str, Any]:
    """The row's numbers (medians over repetitions) and its outcomes against the reference."""
    if row["status"] != "ran":
        return row
    runs = row.pop("runs")
    serial = [r for r in runs if not r["workers"]]
    parallel = [r for r in runs if r["workers"]]
    costs = [c for r in runs for c in r["isolation"]]
    first = runs[0]["outcomes"]
    stable = all(r["outcomes"] == first for r in runs)
    verdict = report.compare(
        {k: v for k, v in (reference or first).items() if k in first or ASYNC_FILE not in k},
        first,
    )
    tally = ", ".join(f"{n} {o}" for o, n in report.counts(first).items())
    row.update(
        wall_serial=report.median([r["wall"] for r in serial]),
        wall_n2=report.median([r["wall"] for r in parallel]),
        first_test_serial=report.median(
            [r["first_test_slowest"] for r in serial if r["first_test_slowest"] is not None]
        ),
        first_test_n2=report.median(
            [r["first_test_slowest"] for r in parallel if r["first_test_slowest"] is not None]
        ),
        first_test_per_worker=[r["first_test"] for r in runs],
        isolation_p50=report.percentile(costs, 50),
        isolation_p95=report.percentile(costs, 95),
        counts=report.counts(first),
        outcomes=f"{verdict} ({tally})" + ("" if stable else "; runs disagree"),
        test_ids=sorted(first),
        exits=[r["exit"] for r in runs],
        tails=[r["tail"] for r in runs if r["tail"]],
        runs=[
            {k: r[k] for k in ("workers", "exit", "wall", "first_test")}
            | {"counts": report.counts(r["outcomes"])}
            for r in runs
        ],
    )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="ten tests, one repetition: proves every set-up works"
    )
    parser.add_argument("--venvs", type=Path, default=Path.home() / ".cache" / "dbfleet-peers")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", action="append", help="run only peers whose name contains this")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
    args.venvs = args.venvs.expanduser().resolve()
    args.venvs.mkdir(parents=True, exist_ok=True)
    out = args.out or (args.venvs / "peers-quick.json" if args.quick else RESULTS)
    work = args.venvs / "work"
    work.mkdir(exist_ok=True)
    peers = [p for p in PEERS if not args.only or any(o in p.name for o in args.only)]
    rows = [bench_peer(peer, args, work) for peer in peers]
    reference = next((r["runs"][0]["outcomes"] for r in rows if r["status"] == "ran"), None)
    rows = [summarize(row, reference) for row in rows]
    result = {
        "command": " ".join(["python bench/peers/run.py", *(argv or sys.argv[1:])]),
        "quick": args.quick,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%d"),
        "dbfleet_commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "rows": rows,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(report.text_table(rows))
    print()
    print(report.markdown_table(rows))
    print()
    say(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
