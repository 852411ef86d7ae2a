"""Measure PostgreSQL clone choices: STRATEGY WAL_LOG vs FILE_COPY, clone vs migrate, and
synchronous_commit off vs on for commit-heavy tests.

    .venv/bin/python bench/clone_strategy.py [--url postgresql://postgres@127.0.0.1/postgres]
    .venv/bin/python bench/clone_strategy.py --embedded     # the embedded PostgreSQL 18

On PostgreSQL 18 it also measures FILE_COPY with ``file_copy_method = clone`` (a reflink copy,
where the filesystem supports it; elsewhere the server refuses and the row says so).

Prints a table and writes bench/results/clone_strategy_pg<major>.json. Run it on an otherwise
idle machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from dbfleet.backends.postgres.server import connect_kwargs
from dbfleet.embedded import start_server

RESULTS = Path(__file__).parent / "results"


def schema_sql(tables: int = 30) -> str:
    """A schema of the size real services reach: tables, FKs, indexes, a few hundred seed rows."""
    parts = []
    for i in range(tables):
        fk = f", parent_id int REFERENCES t{i - 1}(id)" if i else ""
        parts.append(
            f"CREATE TABLE t{i} (id serial PRIMARY KEY, code text UNIQUE NOT NULL, "
            f"amount numeric(14,2) CHECK (amount >= 0), created timestamptz DEFAULT now(){fk});"
            f"CREATE INDEX t{i}_created ON t{i}(created);"
            f"INSERT INTO t{i} (code, amount) SELECT 'c' || g, g FROM generate_series(1, 20) g;"
        )
    return "\n".join(parts)


def timed(conn: psycopg.Connection[Any], statement: sql.Composable) -> float:
    started = time.perf_counter()
    conn.execute(statement)
    return time.perf_counter() - started


def drop(conn: psycopg.Connection[Any], name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--embedded", action="store_true", help="use the embedded server")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    url = make_url(args.url)
    if args.embedded:
        datadir = Path(tempfile.mkdtemp(prefix="dbfleet-bench-pg-")) / "pgdata"
        datadir.parent.chmod(0o755)  # as root the server runs as another user
        url, _server = start_server(datadir, cleanup_mode="delete")
    conn = psycopg.connect(**connect_kwargs(url, "postgres"), autocommit=True)
    version = conn.info.server_version
    template = "bench_clone_tpl"
    drop(conn, template)
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
    script = schema_sql()
    with psycopg.connect(**connect_kwargs(url, template)) as tpl:
        tpl.execute(script.encode())

    results: dict[str, Any] = {
        "server_version": version,
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "repeat": args.repeat,
    }
    strategies = ["WAL_LOG", "FILE_COPY"] if version >= 150000 else ["default"]
    if version >= 180000:
        strategies.append("FILE_COPY+clone")
    for strategy in strategies:
        # Clones first, drops after: DROP DATABASE forces a checkpoint, and timing a clone right
        # after a drop measures that checkpoint instead (a run also clones first, drops at the end).
        samples = []
        kind, _, method = strategy.partition("+")
        clause = sql.SQL("") if kind == "default" else sql.SQL(f" STRATEGY {kind}")
        if version >= 180000:
            conn.execute(sql.SQL("SET file_copy_method = {}").format(sql.SQL(method or "copy")))
        try:
            for i in range(args.repeat):
                statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(f"bench_clone_{i}"), sql.Identifier(template)
                )
                samples.append(timed(conn, statement + clause))
        except psycopg.Error as error:
            results[f"clone_{strategy.lower()}_ms"] = f"refused: {str(error).splitlines()[0]}"
            continue
        finally:
            for i in range(args.repeat):
                drop(conn, f"bench_clone_{i}")
        results[f"clone_{strategy.lower()}_ms"] = round(statistics.median(samples) * 1000, 1)

    migrate = []
    for i in range(max(3, args.repeat // 3)):
        name = f"bench_migrate_{i}"
        started = time.perf_counter()
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with psycopg.connect(**connect_kwargs(url, name)) as db:
            db.execute(script.encode())
        migrate.append(time.perf_counter() - started)
    for i in range(max(3, args.repeat // 3)):
        drop(conn, f"bench_migrate_{i}")
    results["create_and_migrate_ms"] = round(statistics.median(migrate) * 1000, 1)

    for setting in ("on", "off"):
        name = "bench_commit"
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = {}").format(
                sql.Identifier(name), sql.SQL(setting)
            )
        )
        with psycopg.connect(**connect_kwargs(url, name)) as db:
            started = time.perf_counter()
            for i in range(500):
                db.execute("INSERT INTO t0 (code, amount) VALUES (%s, 1)", (f"x{i}",))
                db.commit()
            results[f"commit_500_sync_{setting}_ms"] = round(
                (time.perf_counter() - started) * 1000, 1
            )
        drop(conn, name)
    drop(conn, template)
    conn.close()

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"clone_strategy_pg{version // 10000}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
