"""Measure MySQL/MariaDB template clones: dbfleet's in-server copy vs a dump/load, and how
clones scale when 1, 2 or 4 run at once (InnoDB serialises DDL on its dictionary latch).

    .venv/bin/python bench/mysql_clone.py [--url mysql+pymysql://root@127.0.0.1:3306/x]

Prints a table and writes bench/results/mysql_clone.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pymysql
from sqlalchemy.engine import URL, make_url

from dbfleet.backends.mysql.server import MysqlBackend
from dbfleet.marker import Marker, Run

RESULTS = Path(__file__).parent / "results" / "mysql_clone.json"
TEMPLATE = "dbfleet_bench_mysql_tpl"


def schema(tables: int = 30) -> list[str]:
    """A schema of the size real services reach, with every kind of object a clone must copy."""
    statements = []
    for i in range(tables):
        fk = f", parent_id INT, FOREIGN KEY (parent_id) REFERENCES t{i - 1}(id)" if i else ""
        statements.append(
            f"CREATE TABLE t{i} (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(40) NOT NULL "
            f"UNIQUE, amount DECIMAL(14,2), created TIMESTAMP DEFAULT CURRENT_TIMESTAMP, "
            f"KEY (created){fk})"
        )
        values = ", ".join(f"('c{n}', {n})" for n in range(20))
        statements.append(f"INSERT INTO t{i} (code, amount) VALUES {values}")
    statements.append("CREATE VIEW v0 AS SELECT code, amount FROM t0")
    statements.append(
        "CREATE TRIGGER t0_ins BEFORE INSERT ON t0 FOR EACH ROW "
        "SET NEW.amount = COALESCE(NEW.amount, 0)"
    )
    statements.append("CREATE FUNCTION plus_one(x INT) RETURNS INT DETERMINISTIC RETURN x + 1")
    return statements


def connect(url: URL, database: str | None = None) -> Any:
    return pymysql.connect(
        host=url.host,
        port=url.port or 3306,
        user=url.username or "root",
        password=str(url.password or ""),
        database=database,
        autocommit=True,
    )


def dump_load(url: URL, target: str) -> None:
    dump = shutil.which("mariadb-dump") or shutil.which("mysqldump")
    client = shutil.which("mariadb") or shutil.which("mysql")
    if not (dump and client):
        raise SystemExit("needs mariadb-dump/mysqldump and the mariadb/mysql client")
    auth = [
        "-h",
        url.host or "127.0.0.1",
        "-P",
        str(url.port or 3306),
        "-u",
        url.username or "root",
    ]
    with connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{target}`")
    dumped = subprocess.run(
        [dump, *auth, "--routines", "--triggers", "--single-transaction", TEMPLATE],
        capture_output=True,
        check=True,
    )
    subprocess.run([client, *auth, target], input=dumped.stdout, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="mysql+pymysql://root@127.0.0.1:3306/dbfleet_bench")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = make_url(args.url)
    run = Run.current()
    backend = MysqlBackend(url)
    backend.drop(TEMPLATE)
    backend.create_empty(TEMPLATE, Marker.new("template", "dbfleet_bench", "x", run))
    with connect(url, TEMPLATE) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        for statement in schema():
            cursor.execute(statement)
        migrate_seconds = time.perf_counter() - started

    def timed(job: Any, names: list[str]) -> list[float]:
        def one(name: str) -> float:
            started = time.perf_counter()
            job(name)
            return time.perf_counter() - started

        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            return list(pool.map(one, names))

    def dbfleet_clone(name: str) -> None:
        own = MysqlBackend(url)
        try:
            own.clone(TEMPLATE, name, Marker.new("worker", "dbfleet_bench", "x", run))
        finally:
            own.close()

    results: dict[str, Any] = {
        "server": backend.server_version(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "tables": 30,
        "create_and_migrate_seconds": round(migrate_seconds, 4),
    }
    for label, job in (("dbfleet_copy", dbfleet_clone), ("dump_load", lambda n: dump_load(url, n))):
        for parallel in (1, 2, 4):
            samples = []
            for attempt in range(args.repeat):
                names = [f"dbfleet_bench_c{attempt}_{i}" for i in range(parallel)]
                started = time.perf_counter()
                timed(job, names)
                samples.append(time.perf_counter() - started)
                for name in names:
                    backend.drop(name)
            key = f"{label}_{parallel}_at_once_seconds"
            results[key] = round(statistics.median(samples), 4)
            print(f"{key:40} {results[key]}", flush=True)
    backend.drop(TEMPLATE)
    backend.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"create_and_migrate_seconds               {results['create_and_migrate_seconds']}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
