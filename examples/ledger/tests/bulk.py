"""Generators and bulk loaders for the volume/report tests.

Entries are generated deterministically (seeded) so the expected report
figures can be computed in Python, independently of the SQL under test.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.models import JournalEntry, JournalLine

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    account: str  # account code
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


@dataclass
class Entry:
    day: dt.date
    description: str
    lines: list[Line] = field(default_factory=list)

    @classmethod
    def simple(
        cls, day: dt.date, description: str, debit: str, credit: str, amount: Decimal
    ) -> Entry:
        return cls(day, description, [Line(debit, debit=amount), Line(credit, credit=amount)])


def money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) * CENT


def month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def net_debits(
    entries: Iterable[Entry], *, until: dt.date | None = None, since: dt.date | None = None
) -> dict[str, Decimal]:
    """Net debit (debit - credit) per account code over the given date range."""
    net: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if until is not None and entry.day > until:
            continue
        if since is not None and entry.day < since:
            continue
        for line in entry.lines:
            net[line.account] += line.debit - line.credit
    return dict(net)


async def bulk_post(
    session: AsyncSession,
    *,
    book_id: int,
    entries: Sequence[Entry],
    account_ids: dict[str, int],
    currencies: dict[str, str],
    batch: int = 1000,
) -> list[int]:
    """Insert posted entries and their lines with two executemany round trips per batch."""
    posted_at = dt.datetime.now(dt.timezone.utc)
    ids: list[int] = []
    for start in range(0, len(entries), batch):
        chunk = entries[start : start + batch]
        result = await session.execute(
            insert(JournalEntry).returning(JournalEntry.id, sort_by_parameter_order=True),
            [
                {
                    "book_id": book_id,
                    "entry_date": e.day,
                    "description": e.description,
                    "status": "posted",
                    "posted_at": posted_at,
                }
                for e in chunk
            ],
        )
        chunk_ids = list(result.scalars())
        ids.extend(chunk_ids)
        await session.execute(
            insert(JournalLine),
            [
                {
                    "entry_id": entry_id,
                    "line_no": n,
                    "account_id": account_ids[line.account],
                    "currency": currencies[line.account],
                    "debit": line.debit,
                    "credit": line.credit,
                }
                for entry_id, entry in zip(chunk_ids, chunk, strict=True)
                for n, line in enumerate(entry.lines, start=1)
            ],
        )
    await session.commit()
    await refresh_statistics(session)
    return ids


ANALYZE = {
    "postgresql": "ANALYZE journal_entries, journal_lines",
    "mysql": "ANALYZE TABLE journal_entries, journal_lines",
    "sqlite": "ANALYZE",
}


async def refresh_statistics(session: AsyncSession) -> None:
    """Let the planner see the bulk-loaded rows right away.

    Without this, PostgreSQL may still believe the tables are tiny (autovacuum
    has not analysed them yet) and pick nested-loop plans that take seconds.
    """
    statement = ANALYZE.get(session.get_bind().dialect.name)
    if statement is not None:
        await session.execute(text(statement))
        await session.commit()
