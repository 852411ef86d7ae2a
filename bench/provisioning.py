"""Time to make N worker databases ready, three ways, on the ledger example's Alembic schema.

    .venv/bin/python bench/provisioning.py [--backends postgresql,mysql,sqlite] [--url URL]

(a) migrate: every worker creates an empty database and runs all migrations (hand-written
    conftest); (b) cold: build the template, then clone per worker; (c) warm: the template
    exists, clone per worker. Workers provision concurrently, as xdist workers do. Medians of
    --repeat runs; prints a table and writes bench/results/provisioning.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from dbfleet.backends import open_backend
from dbfleet.fleet import (
    Template,
    ensure_template,
    provision,
    provision_by_migrating,
    release,
    schema_fingerprint,
)
from dbfleet.marker import Run
from dbfleet.migrate import Migrator, parse_migrator
from dbfleet.urls import worker_database_name

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ledger"
RESULTS = Path(__file__).parent / "results" / "provisioning.json"
EXPORT = ("DATABASE_URL",)


def _template(url: URL, migrator: Migrator, run: Run) -> Template:
    backend = open_backend(url)
    try:
        return ensure_template(
            backend,
            migrator=migrator,
            fingerprint=schema_fingerprint(backend, migrator, (), EXAMPLE),
            run=run,
            environ=dict(os.environ),
            export=EXPORT,
        )
    finally:
        backend.close()


def _drop_templates(url: URL) -> None:
    backend = open_backend(url)
    try:
        for db in backend.list_managed():
            if db.marker.base == backend.base_name:
                backend.drop(db.name)
    finally:
        backend.close()


def _workers(url: URL, count: int, job: Any) -> float:
    """Run ``job(backend, worker_id)`` in ``count`` concurrent workers; wall seconds."""

    def one(index: int) -> str:
        backend = open_backend(url)
        try:
            return str(job(backend, f"gw{index}").name)
        finally:
            backend.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(one, range(count)))
    return time.perf_counter() - started


def _cleanup(url: URL, run: Run, count: int) -> None:
    backend = open_backend(url)
    try:
        for index in range(count):
            release(
                backend,
                worker_database_name(backend.base_name, f"gw{index}", backend.name_limit),
                run,
            )
    finally:
        backend.close()


def measure(url: URL, counts: list[int], repeat: int) -> dict[str, Any]:
    migrator = parse_migrator("alembic", EXAMPLE)
    run = Run.current()
    rows: dict[str, Any] = {}
    for count in counts:
        samples: dict[str, list[float]] = {"migrate": [], "cold": [], "warm": []}
        for _ in range(repeat):
            samples["migrate"].append(
                _workers(
                    url,
                    count,
                    lambda backend, worker: provision_by_migrating(
                        backend,
                        worker_id=worker,
                        migrator=migrator,
                        run=run,
                        environ=dict(os.environ),
                        export=EXPORT,
                    ),
                )
            )
            _cleanup(url, run, count)

            _drop_templates(url)
            started = time.perf_counter()
            template = _template(url, migrator, run)
            clone = _workers(
                url,
                count,
                lambda backend, worker, template=template: provision(
                    backend, worker_id=worker, template=template, run=run
                ),
            )
            del clone  # the cold figure is build plus clones, end to end
            samples["cold"].append(time.perf_counter() - started)
            _cleanup(url, run, count)

            template = _template(url, migrator, run)
            assert template.reused
            samples["warm"].append(
                _workers(
                    url,
                    count,
                    lambda backend, worker, template=template: provision(
                        backend, worker_id=worker, template=template, run=run
                    ),
                )
            )
            _cleanup(url, run, count)
        rows[str(count)] = {
            f"{kind}_seconds": round(statistics.median(values), 4)
            for kind, values in samples.items()
        }
        rows[str(count)]["warm_per_worker_ms"] = round(
            1000 * statistics.median(samples["warm"]) / count, 1
        )
        rows[str(count)]["warm_speedup_vs_migrate"] = round(
            statistics.median(samples["migrate"]) / statistics.median(samples["warm"]), 1
        )
        print(f"N={count}: {rows[str(count)]}", flush=True)
    _drop_templates(url)
    return rows


DEFAULT_URLS = {
    "postgresql": "postgresql+asyncpg://postgres@127.0.0.1:5432/dbfleet_bench_prov",
    "mysql": "mysql+aiomysql://root@127.0.0.1:3306/dbfleet_bench_prov",
    "sqlite": "sqlite+aiosqlite:///{tmp}/dbfleet_bench_prov.db",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="postgresql,mysql,sqlite")
    parser.add_argument("--url", action="append", default=[], help="override a backend's URL")
    parser.add_argument("--counts", default="1,2,4,8")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    overrides = {make_url(u).get_backend_name(): u for u in args.url}
    data: dict[str, Any] = {
        "schema": "dbfleet-bench-provisioning/2",
        "command": f"bench/provisioning.py --backends {args.backends} --counts {args.counts} "
        f"--repeat {args.repeat}",
        "migrations": len(list((EXAMPLE / "migrations" / "versions").glob("*.py"))),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "repeat": args.repeat,
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="dbfleet-prov-") as tmp:
        for kind in args.backends.split(","):
            url = make_url(overrides.get(kind, DEFAULT_URLS[kind].format(tmp=tmp)))
            backend = open_backend(url)
            version = backend.server_version()
            backend.close()
            print(f"== {kind} ({version})", flush=True)
            data["backends"][kind] = {
                "server": version,
                "workers": measure(url, counts, args.repeat),
            }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
