"""Measure what each isolation level adds to a test, and the usual alternatives.

    .venv/bin/python bench/isolation.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
    .venv/bin/python bench/isolation.py --url mysql+pymysql://root@127.0.0.1:3306/mysql
    .venv/bin/python bench/isolation.py --url sqlite://

A realistic schema (20 tables: 6 reference tables of 30 seed rows, 14 business tables in shallow
foreign-key trees with 3 seed rows each) is built as the template of real inner pytest sessions,
one per level, each running ``--tests`` copies of a test that inserts four rows into three
business tables through ``dbfleet_session`` and commits. A test's overhead is its setup plus
teardown time as pytest reports it (the body is excluded); ``none`` runs the same fixtures
without isolation and is the floor (run again with ``--dbfleet-check-leaks``). ``fresh`` runs
twice: with a body that works 150 ms (the pool keeps up: "warm") and with an instant body (every
test waits for a clone: "drained").

Alternatives, measured on the same template outside pytest: a database cloned and dropped per
test without a pool, and TRUNCATE of all tables per test (with and without re-inserting the seed
rows). Async engines: a NullPool engine against ``LoopEngines``, with a new loop per test and
with one loop for the module, each test making three checkouts.

Writes bench/results/isolation.json (PostgreSQL), isolation_mysql.json or isolation_sqlite.json.
On MySQL/MariaDB and SQLite the same schema is written in their dialect and only the levels are
measured; the alternatives and the async engines are PostgreSQL's. The server is shared with
whatever else runs on the machine; the load average at the start is recorded with the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from dbfleet.backends import open_backend
from dbfleet.backends.postgres.server import connect_kwargs
from dbfleet.isolation.engines import LoopEngines, async_engine
from dbfleet.urls import connectable

RESULTS = Path(__file__).parent / "results" / "isolation.json"

REFERENCE_TABLES = 6
BUSINESS_TABLES = 14


def schema_sql() -> str:
    parts = []
    for i in range(REFERENCE_TABLES):
        parts.append(
            f"CREATE TABLE r{i} (id serial PRIMARY KEY, code text UNIQUE NOT NULL, "
            f"name text NOT NULL, active boolean NOT NULL DEFAULT true);"
            f"INSERT INTO r{i} (code, name) SELECT 'c' || g, 'reference ' || g "
            "FROM generate_series(1, 30) g;"
        )
    for i in range(BUSINESS_TABLES):
        parent = f", parent_id int NOT NULL REFERENCES b{(i - 2) // 2}(id)" if i >= 2 else ""
        parts.append(
            f"CREATE TABLE b{i} (id serial PRIMARY KEY, "
            f"ref_id int NOT NULL REFERENCES r{i % REFERENCE_TABLES}(id){parent}, "
            "label text NOT NULL, amount numeric(14, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0), "
            "created timestamptz NOT NULL DEFAULT now());"
            f"CREATE INDEX b{i}_created ON b{i} (created);"
            f"INSERT INTO b{i} (ref_id{', parent_id' if i >= 2 else ''}, label) "
            f"SELECT 1{', 1' if i >= 2 else ''}, 'seed ' || g FROM generate_series(1, 3) g;"
        )
    return "\n".join(parts)


def portable_schema_sql(kind: str) -> str:
    """The same tables, keys and seed rows for MySQL/MariaDB or SQLite (no ``serial``, no
    ``generate_series``; foreign keys as table constraints, which both honour)."""
    mysql = kind == "mysql"
    key = "INT AUTO_INCREMENT PRIMARY KEY" if mysql else "INTEGER PRIMARY KEY AUTOINCREMENT"
    word = "VARCHAR(100)" if mysql else "TEXT"
    engine = " ENGINE=InnoDB" if mysql else ""
    parts = []
    for i in range(REFERENCE_TABLES):
        rows = ", ".join(f"('c{g}', 'reference {g}')" for g in range(1, 31))
        parts.append(
            f"CREATE TABLE r{i} (id {key}, code {word} NOT NULL UNIQUE, name {word} NOT NULL, "
            f"active BOOLEAN NOT NULL DEFAULT TRUE){engine};"
            f"INSERT INTO r{i} (code, name) VALUES {rows};"
        )
    for i in range(BUSINESS_TABLES):
        parent = f"b{(i - 2) // 2}"
        columns = "ref_id, parent_id, label" if i >= 2 else "ref_id, label"
        rows = ", ".join(
            f"(1, 1, 'seed {g}')" if i >= 2 else f"(1, 'seed {g}')" for g in range(1, 4)
        )
        parts.append(
            f"CREATE TABLE b{i} (id {key}, ref_id INT NOT NULL, "
            + ("parent_id INT NOT NULL, " if i >= 2 else "")
            + f"label {word} NOT NULL, amount NUMERIC(14, 2) NOT NULL DEFAULT 0 "
            "CHECK (amount >= 0), created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "
            f"FOREIGN KEY (ref_id) REFERENCES r{i % REFERENCE_TABLES} (id)"
            + (f", FOREIGN KEY (parent_id) REFERENCES {parent} (id)" if i >= 2 else "")
            + f"){engine};"
            f"CREATE INDEX b{i}_created ON b{i} (created);"
            f"INSERT INTO b{i} ({columns}) VALUES {rows};"
        )
    return "\n".join(parts)


TEST_MODULE = """
import os, time
import pytest
from sqlalchemy import text

WORK = float(os.environ.get("BENCH_WORK_SECONDS", "0"))


@pytest.mark.parametrize("n", range(int(os.environ["BENCH_TESTS"])))
def test_writes_a_little(n, dbfleet_session):
    dbfleet_session.execute(text("INSERT INTO b6 (ref_id, parent_id, label) VALUES (1, 1, 'x')"))
    dbfleet_session.execute(
        text("INSERT INTO b10 (ref_id, parent_id, label) VALUES (1, 1, 'a'), (1, 1, 'b')")
    )
    dbfleet_session.execute(text("INSERT INTO b13 (ref_id, parent_id, label) VALUES (2, 1, 'y')"))
    dbfleet_session.commit()
    if WORK:
        time.sleep(WORK)
"""

RECORDING_CONFTEST = """
import json, os

PHASES = {}


def pytest_runtest_logreport(report):
    PHASES.setdefault(report.nodeid, {})[report.when] = report.duration


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(PHASES, out)
"""


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2),
        "n": len(ordered),
    }


def run_level(
    root: Path, url: str, level: str, tests: int, work: float = 0.0, *options: str
) -> dict[str, float]:
    out = root / f"phases-{level}-{work}-{len(options)}.json"
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DBFLEET_"))},
        "DBFLEET_URL": url,
        "BENCH_TESTS": str(tests),
        "BENCH_WORK_SECONDS": str(work),
        "BENCH_OUT": str(out),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--dbfleet-isolation={level}",
        *options,
        str(root / "test_bench.py"),
    ]
    done = subprocess.run(command, cwd=root, env=environ, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"inner run for {level} failed:\n{done.stdout[-3000:]}{done.stderr}")
    phases = json.loads(out.read_text())
    added = [p.get("setup", 0.0) + p.get("teardown", 0.0) for p in phases.values()]
    return percentiles(added[1:])  # the first test also sets up the session's engine


def baselines(server: Any, template: str, repeat: int) -> dict[str, Any]:
    """The alternatives without dbfleet's isolation, on a copy of the same template."""
    admin = psycopg.connect(**connect_kwargs(server, "postgres"), autocommit=True)
    results: dict[str, Any] = {}

    # A database per test, cloned and dropped on the test's critical path.
    samples = []
    for i in range(repeat):
        name = f"{template}_clone{i}"
        started = time.perf_counter()
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY WAL_LOG").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        psycopg.connect(**connect_kwargs(server, name)).close()
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        samples.append(time.perf_counter() - started)
    results["database_per_test_without_pool"] = percentiles(samples)

    # TRUNCATE every table per test, on one clone.
    name = f"{template}_truncate"
    admin.execute(
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
    )
    admin.execute(
        sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name))
    )
    tables = [f"r{i}" for i in range(REFERENCE_TABLES)] + [f"b{i}" for i in range(BUSINESS_TABLES)]
    seed = schema_sql()
    reseed = ";".join(part for part in seed.split(";") if part.strip().startswith("INSERT"))
    truncate = sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
        sql.SQL(", ").join(map(sql.Identifier, tables))
    )
    with psycopg.connect(**connect_kwargs(server, name), autocommit=True) as conn:
        for label, statement in (
            ("truncate_all_tables", truncate.as_string(conn)),
            ("truncate_all_tables_and_reseed", truncate.as_string(conn) + ";" + reseed),
        ):
            samples = []
            for _ in range(repeat):
                # What a test leaves: rows that survive whether the seed is there or not.
                conn.execute("INSERT INTO r0 (code, name) VALUES (%s, 'x')", (uuid.uuid4().hex,))
                started = time.perf_counter()
                with conn.transaction():
                    conn.execute(statement.encode())
                samples.append(time.perf_counter() - started)
            results[label] = percentiles(samples)
    admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()
    return results


def async_engines(url: str, repeat: int) -> dict[str, Any]:
    """Three checkouts per test: NullPool against one pooled engine per event loop."""

    async def three_checkouts(engine: Any) -> None:
        for _ in range(3):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

    results: dict[str, Any] = {}
    nullpool = async_engine(url, poolclass=NullPool)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        asyncio.run(three_checkouts(nullpool))
        samples.append(time.perf_counter() - started)
    results["nullpool_new_loop_per_test"] = percentiles(samples)

    engines = LoopEngines(url)

    async def per_loop() -> None:
        await three_checkouts(await engines.engine())

    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        asyncio.run(per_loop())
        samples.append(time.perf_counter() - started)
    results["engine_per_loop_new_loop_per_test"] = percentiles(samples)

    async def one_loop() -> list[float]:
        inner = []
        for _ in range(repeat):
            started = time.perf_counter()
            await per_loop()
            inner.append(time.perf_counter() - started)
        return inner

    results["engine_per_loop_one_loop_per_module"] = percentiles(asyncio.run(one_loop()))

    async def nullpool_one_loop() -> list[float]:
        inner = []
        for _ in range(repeat):
            started = time.perf_counter()
            await three_checkouts(nullpool)
            inner.append(time.perf_counter() - started)
        return inner

    results["nullpool_one_loop_per_module"] = percentiles(asyncio.run(nullpool_one_loop()))
    return results


def measure(results: dict[str, Any], server: Any, base: str, url: str, args: Any) -> None:
    kind = server.get_backend_name()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        if kind == "sqlite":
            url = f"sqlite:///{root / base}.db"
        schema = schema_sql() if kind == "postgresql" else portable_schema_sql(kind)
        (root / "schema.sql").write_text(schema)
        (root / "pytest.ini").write_text("[pytest]\ndbfleet_migrate = sql:schema.sql\n")
        (root / "conftest.py").write_text(RECORDING_CONFTEST)
        (root / "test_bench.py").write_text(TEST_MODULE)
        levels: dict[str, Any] = {}
        for level in ("none", "rollback", "reset"):
            levels[level] = run_level(root, url, level, args.tests)
            print(level, levels[level], flush=True)
        levels["none_with_leak_check"] = run_level(
            root, url, "none", args.tests, 0.0, "--dbfleet-check-leaks=warn"
        )
        print("none_with_leak_check", levels["none_with_leak_check"], flush=True)
        levels["fresh_warm"] = run_level(root, url, "fresh", args.fresh_tests, work=0.15)
        print("fresh_warm", levels["fresh_warm"], flush=True)
        levels["fresh_drained"] = run_level(root, url, "fresh", args.fresh_tests)
        print("fresh_drained", levels["fresh_drained"], flush=True)
        results["setup_plus_teardown_per_test"] = levels
    if kind != "postgresql":
        return

    with psycopg.connect(**connect_kwargs(server, "postgres"), autocommit=True) as admin:
        results["server_version"] = admin.info.server_version
        row = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (base + "_tpl_%",)
        ).fetchone()
    assert row is not None, "the inner runs left no template"
    results["alternatives"] = baselines(server, str(row[0]), args.repeat)
    print("alternatives", results["alternatives"], flush=True)

    async_url = connectable(server.set(drivername="postgresql+asyncpg", database="postgres"))
    results["async_three_checkouts_per_test"] = async_engines(async_url, args.repeat)
    print("async", results["async_three_checkouts_per_test"], flush=True)


def drop_all(server: Any, base: str) -> None:
    """Everything the run made under its base name: the template and any clone left."""
    if server.get_backend_name() == "sqlite":
        return  # the files lived in measure()'s temporary directory
    if server.get_backend_name() != "postgresql":
        backend = open_backend(server)
        try:
            for managed in backend.list_managed():
                if managed.name.startswith(base):
                    backend.drop(managed.name)
        finally:
            backend.close()
        return
    with psycopg.connect(**connect_kwargs(server, "postgres"), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (base + "%",)
        ).fetchall()
        for (name,) in rows:
            identifier = sql.Identifier(name)
            admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(identifier))
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(identifier))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--fresh-tests", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    server = make_url(args.url)
    base = f"bench_iso_{uuid.uuid4().hex[:6]}"
    url = connectable(server.set(database=base))
    results: dict[str, Any] = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "tests_per_level": args.tests,
        "schema": f"{REFERENCE_TABLES + BUSINESS_TABLES} tables, "
        f"{REFERENCE_TABLES * 30 + BUSINESS_TABLES * 3} seed rows",
    }
    kind = server.get_backend_name()
    results["backend"] = kind
    try:
        measure(results, server, base, url, args)
    finally:
        drop_all(server, base)
    out = RESULTS if kind == "postgresql" else RESULTS.with_name(f"isolation_{kind}.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
