"""``dbfleet demo``: a small database-backed suite run serially and then with xdist.

It needs no server: without ``DBFLEET_URL`` it uses the embedded PostgreSQL. The suite is written
the way such suites are, with commits and exact row counts, so it would race on a shared database.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIGRATIONS = [
    "CREATE TABLE customer (id serial PRIMARY KEY, email text NOT NULL UNIQUE);",
    "CREATE TABLE product (id serial PRIMARY KEY, sku text NOT NULL UNIQUE, price numeric(12,2));",
    "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customer(id));",
    "CREATE TABLE order_line (id serial PRIMARY KEY, order_id int REFERENCES orders(id), "
    "product_id int REFERENCES product(id), qty int CHECK (qty > 0));",
    "CREATE INDEX order_line_order ON order_line(order_id);",
    "INSERT INTO product (sku, price) SELECT 'SKU-' || g, g * 1.5 FROM generate_series(1, 50) g;",
]

TEST_FILE = """
import os
import psycopg
import pytest

URL = os.environ["DATABASE_URL"]


@pytest.fixture
def conn():
    with psycopg.connect(URL) as connection:
        yield connection


@pytest.mark.parametrize("n", range(12))
def test_order_totals(conn, n):
    before = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    customer = conn.execute(
        "INSERT INTO customer (email) VALUES (%s) RETURNING id", (f"c{n}-{{FILE}}@example.com",)
    ).fetchone()[0]
    order = conn.execute(
        "INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (customer,)
    ).fetchone()[0]
    for product in range(1, 40):
        conn.execute(
            "INSERT INTO order_line (order_id, product_id, qty) VALUES (%s, %s, %s)",
            (order, product, n + 1),
        )
    conn.commit()
    total = conn.execute(
        "SELECT sum(p.price * l.qty) FROM order_line l JOIN product p ON p.id = l.product_id "
        "WHERE l.order_id = %s", (order,)
    ).fetchone()[0]
    assert float(total) == sum(i * 1.5 for i in range(1, 40)) * (n + 1)
    # Exact counts: two processes sharing one database would see each other's orders.
    assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == before + 1
    conn.execute("DELETE FROM order_line WHERE order_id = %s", (order,))
    conn.execute("DELETE FROM orders WHERE id = %s", (order,))
    conn.execute("DELETE FROM customer WHERE id = %s", (customer,))
    conn.commit()
"""


def _write_project(root: Path) -> None:
    migrations = root / "migrations"
    migrations.mkdir()
    for index, statement in enumerate(MIGRATIONS, start=1):
        (migrations / f"{index:03d}.sql").write_text(statement + "\n")
    (root / "pytest.ini").write_text("[pytest]\ndbfleet_migrate = sql:migrations\n")
    for index in range(8):
        name = f"test_orders_{index}.py"
        (root / name).write_text(TEST_FILE.replace("{FILE}", str(index)))


def _run(root: Path, args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    lines = completed.stdout.strip().splitlines()
    summary = lines[-1].strip("= ") if lines else completed.stderr.strip()
    if completed.returncode != 0:
        print(completed.stdout[-3000:], completed.stderr[-3000:], sep="\n", file=sys.stderr)
    return seconds, summary


def run_demo(workers: str = "2") -> int:
    env = dict(os.environ)
    extra = [] if env.get("DBFLEET_URL") else ["--dbfleet-embedded"]
    with tempfile.TemporaryDirectory(prefix="dbfleet-demo-") as tmp:
        root = Path(tmp)
        _write_project(root)
        print(f"dbfleet demo: 96 database tests in {root}")
        rows = []
        for label, args in (
            ("serial (cold template)", extra),
            ("serial (warm template)", extra),
            (f"xdist -n {workers}", [*extra, "-n", workers]),
        ):
            seconds, summary = _run(root, args, env)
            rows.append((label, f"{seconds:6.2f}s", re.sub(r" in [\d.]+s.*", "", summary)))
            print(f"  {label:<24} {rows[-1][1]}  {rows[-1][2]}")
    failed = any("failed" in row[2] or "error" in row[2] for row in rows)
    return 1 if failed else 0
