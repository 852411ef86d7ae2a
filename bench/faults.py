"""Kill dbfleet at each crash step, run again, collect: count what goes wrong (all should be 0).

    .venv/bin/python bench/faults.py [--repeat 5] [--kinds postgresql,mysql,sqlite]

For every backend and every step in ``dbfleet.faults.STEPS`` it takes, cold (the template being
built) and warm (a database being cloned), it runs a small seeded suite with
``DBFLEET_KILL_AT=<step>`` (the process kills itself with SIGKILL there), then runs the suite
again, then ``dbfleet gc --url``. A user's database with one precious row sits beside dbfleet's
names all along. Columns: runs, leftovers after the next run and gc, blocked runs (the next run
refused to start), user rows lost, broken templates that looked valid (the next run started but
its tests found no seed row). Prints a table and writes bench/results/faults.json. It counts
outcomes, it times nothing, so it may run beside other work.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy.engine import make_url  # noqa: E402

from backends.servers import (  # noqa: E402
    BOTH,
    PASSES,
    MysqlServer,
    PostgresServer,
    Server,
    SqliteServer,
    staging_names,
)
from dbfleet.cli import main as dbfleet  # noqa: E402
from dbfleet.faults import KILL_AT  # noqa: E402
from support import CONFTEST, INHERITED, SCHEMA, TESTS  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "faults.json"


def _server(kind: str, folder: Path) -> Server:
    if kind == "postgresql":
        return PostgresServer(make_url("postgresql://postgres@127.0.0.1:5432/postgres"), "")
    if kind == "mysql":
        return MysqlServer("127.0.0.1", 3306, "root", "")
    return SqliteServer(folder)


def _pytest(project: Path, url: str, step: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED and k != KILL_AT}
    env["DBFLEET_URL"] = url
    if step:
        env[KILL_AT] = step
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
    ).returncode


def _case(server: Server, folder: Path, step: str, warm: bool) -> dict[str, int]:
    base = f"dbfb_{uuid.uuid4().hex[:8]}"
    project = folder / "projects" / base
    project.mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\ndbfleet_migrate = sql:schema.sql\n")
    (project / "schema.sql").write_text(SCHEMA)
    (project / "conftest.py").write_text(CONFTEST)
    (project / "test_items.py").write_text(TESTS)
    url = server.url(base)
    mine = f"{base}_mine"
    server.plant(mine, None)
    try:
        if warm:
            _pytest(project, url, None)
        before = staging_names(server, base)
        _pytest(project, url, step)
        left = staging_names(server, base) - before
        rerun = _pytest(project, url, None)
        with contextlib.redirect_stdout(io.StringIO()):
            dbfleet(["gc", "--url", url])
        names = server.names(base) - {mine}
        leftovers = len([n for n in names if "_tpl_" not in n]) + len(
            left & staging_names(server, base)
        )
        return {
            "leftovers": leftovers,
            "blocked": int(rerun not in (0, 1)),
            "rows_lost": int(server.precious(mine) != [("keep me",)]),
            "broken_templates": int(rerun == 1),
        }
    finally:
        server.drop_all(base)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kinds", default="postgresql,mysql,sqlite")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    print(f"{'backend':10} {'step':18} {'when':5} runs leftovers blocked rows_lost broken_tpl")
    for kind in args.kinds.split(","):
        with tempfile.TemporaryDirectory(prefix="dbfleet-faults-") as tmp:
            server = _server(kind, Path(tmp))
            for step in PASSES[kind]:
                for warm in (False, True) if step in BOTH else (False,):
                    totals = {"leftovers": 0, "blocked": 0, "rows_lost": 0, "broken_templates": 0}
                    for _ in range(args.repeat):
                        for key, value in _case(server, Path(tmp), step, warm).items():
                            totals[key] += value
                    when = "warm" if warm else "cold"
                    rows.append(
                        {"backend": kind, "step": step, "when": when, "runs": args.repeat, **totals}
                    )
                    print(
                        f"{kind:10} {step:18} {when:5} {args.repeat:4} {totals['leftovers']:9} "
                        f"{totals['blocked']:7} {totals['rows_lost']:9} "
                        f"{totals['broken_templates']:10}",
                        flush=True,
                    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"repeat": args.repeat, "rows": rows}, indent=1) + "\n")
    bad = sum(
        row[key]
        for row in rows
        for key in ("leftovers", "blocked", "rows_lost", "broken_templates")
    )
    print(f"{len(rows)} cases, {sum(row['runs'] for row in rows)} kills, {bad} problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
