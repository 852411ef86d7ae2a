"""``bench/template_cache.py`` at its smallest: one generated Django app, one repetition.

Only the JSON's shape and what each step's run report said are checked: the figures are the
lead's to measure on a quiet machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import template_cache
from psycopg import sql
from sqlalchemy.engine import URL

from dbfleet.urls import connectable
from support import SECRET

pytestmark = pytest.mark.django


def test_the_template_cache_bench_writes_every_step_and_mode(
    pg_server: URL,
    admin: psycopg.Connection[tuple[object, ...]],
    base_name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "template_cache.json"
    server = connectable(pg_server.set(password=SECRET))
    argv = ["--projects", "generated", "--apps", "1", "--tests-per-app", "1", "--repeat", "1"]
    argv += ["--server", server, "--prefix", base_name, "--out", str(out)]
    try:
        code = template_cache.main(argv)
    finally:
        leftovers = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"%{base_name}%",)
        ).fetchall()
        for (name,) in leftovers:
            ident = sql.Identifier(name)
            admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(ident))
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(ident))
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    # The script drops what it made: templates, pytest-django's kept --reuse-db databases.
    assert leftovers == []
    data = json.loads(out.read_text())
    assert SECRET not in out.read_text() + captured.out + captured.err
    assert data["schema"] == "dbfleet-bench-template-cache/1"
    assert data["problems"] == []
    generated = data["templates"]["generated"]
    assert generated["migrations"] == 10
    assert generated["cache_bytes"] > 0
    steps = generated["steps"]
    assert list(steps) == ["migrate, no cache", "migrate", "restore", "reuse"]
    assert [step["template_how"] for step in steps.values()] == [
        ["built"],
        ["built"],
        ["restored"],
        ["reused"],
    ]
    assert all(step["template_seconds"] is not None for step in steps.values())
    modes = data["parallel"]["modes"]
    assert list(modes) == [
        "pytest-django",
        "pytest-django --reuse-db",
        "dbfleet cold",
        "dbfleet restored",
        "dbfleet warm",
    ]
    assert all("1 passed" in mode["summary"] for mode in modes.values())
    assert "| generated (django) | 10 |" in captured.out
