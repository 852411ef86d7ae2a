"""Alembic history: the database under test is at head, the models match the
migrations, and the history upgrades/downgrades cleanly on a scratch SQLite file."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.models import Base

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(str(PROJECT / "alembic.ini")))


def alembic(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_single_linear_history(scripts: ScriptDirectory) -> None:
    assert len(scripts.get_heads()) == 1
    revisions = list(scripts.walk_revisions())
    assert len(revisions) >= 20
    assert sum(1 for rev in revisions if rev.down_revision is None) == 1
    assert all(not isinstance(rev.down_revision, tuple) for rev in revisions)


def test_revision_files_are_named_after_their_ids(scripts: ScriptDirectory) -> None:
    for rev in scripts.walk_revisions():
        assert rev.path is not None
        assert f"-{rev.revision}_" in Path(rev.path).name


async def test_database_is_at_head(engine: AsyncEngine, scripts: ScriptDirectory) -> None:
    async with engine.connect() as conn:
        current = (
            (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        )
    assert current == [scripts.get_current_head()]


async def test_models_match_migrations(engine: AsyncEngine) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "target_metadata": Base.metadata}
        )
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


@pytest.mark.parametrize(
    ("code", "symbol", "places"),
    [
        ("USD", "$", 2),
        ("EUR", "€", 2),
        ("GBP", "£", 2),
        ("JPY", "¥", 0),
        ("KWD", "KD", 3),
        ("ISK", "kr", 0),
    ],
)
async def test_reference_data_seeded(
    engine: AsyncEngine, code: str, symbol: str, places: int
) -> None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT symbol, decimal_places FROM currencies WHERE code = :code"),
                {"code": code},
            )
        ).one()
    assert tuple(row) == (symbol, places)


@pytest.mark.slow
def test_upgrade_downgrade_roundtrip_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    alembic("upgrade", "head", url=url)
    alembic("downgrade", "base", url=url)
    alembic("upgrade", "head", url=url)
    with contextlib.closing(sqlite3.connect(tmp_path / "roundtrip.db")) as db, db:
        tables = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        count = db.execute("SELECT count(*) FROM currencies").fetchone()[0]
    assert set(Base.metadata.tables) <= tables
    assert count == 30


@pytest.mark.slow
def test_legacy_rows_get_default_book_and_line_numbers(tmp_path: Path) -> None:
    """Data migrations: rows created before multi-book support end up in 'Default'."""
    path = tmp_path / "legacy.db"
    url = f"sqlite+aiosqlite:///{path}"
    alembic("upgrade", "37ed628db829", url=url)  # books table exists, nothing backfilled yet
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO accounts (id, code, name, type, currency) VALUES (?, ?, ?, ?, 'USD')",
            [(1, "1000", "Cash", "asset"), (2, "3000", "Capital", "equity")],
        )
        db.execute(
            "INSERT INTO journal_entries (id, entry_date, description) "
            "VALUES (7, '2023-01-02', 'legacy')"
        )
        db.executemany(
            "INSERT INTO journal_lines (entry_id, account_id, currency, debit, credit) "
            "VALUES (7, ?, 'USD', ?, ?)",
            [(1, 100, 0), (2, 0, 100)],
        )
    alembic("upgrade", "head", url=url)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        books = db.execute("SELECT id, name, base_currency FROM books").fetchall()
        account_books = {row[0] for row in db.execute("SELECT book_id FROM accounts")}
        entry = db.execute("SELECT book_id, status FROM journal_entries WHERE id = 7").fetchone()
        line_numbers = [
            row[0] for row in db.execute("SELECT line_no FROM journal_lines ORDER BY id")
        ]
    ((book_id, name, base),) = books
    assert (name, base) == ("Default", "USD")
    assert account_books == {book_id}
    assert entry == (book_id, "posted")
    assert line_numbers == [1, 2]


def test_offline_sql_generation() -> None:
    result = alembic("upgrade", "head", "--sql", url="postgresql+asyncpg://nobody@nowhere/none")
    assert "CREATE TABLE currencies" in result.stdout
    assert "INSERT INTO currencies" in result.stdout
    assert result.stdout.count("UPDATE alembic_version") >= 20
