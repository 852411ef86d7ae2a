from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, PeriodClosed, UnbalancedEntry
from ledger.models import JournalEntry, JournalLine
from ledger.services import journal, periods
from ledger.services.journal import LineSpec
from tests.helpers import MiniBook, uid

DAY = dt.date(2024, 3, 15)


def pair(debit_id: int, credit_id: int, amount: str) -> list[LineSpec]:
    return [LineSpec(debit_id, debit=Decimal(amount)), LineSpec(credit_id, credit=Decimal(amount))]


async def test_create_entry_persists_lines(session: AsyncSession, mini: MiniBook) -> None:
    entry = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="capital",
        lines=pair(mini.cash.id, mini.equity.id, "500"),
    )
    await session.commit()
    count = await session.scalar(
        select(func.count()).select_from(JournalLine).where(JournalLine.entry_id == entry.id)
    )
    assert count == 2
    assert entry.status == "posted"
    assert entry.posted_at is not None


async def test_amounts_are_normalised_to_storage_scale(
    session: AsyncSession, mini: MiniBook
) -> None:
    entry = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="x",
        lines=pair(mini.cash.id, mini.equity.id, "7.5"),
    )
    assert str(entry.lines[0].debit) == "7.5000"


async def test_unbalanced_entry_is_not_persisted(session: AsyncSession, mini: MiniBook) -> None:
    description = f"unbalanced {uid()}"
    with pytest.raises(UnbalancedEntry):
        await journal.create_entry(
            session,
            book_id=mini.book.id,
            entry_date=DAY,
            description=description,
            lines=[
                LineSpec(mini.cash.id, debit=Decimal(2)),
                LineSpec(mini.equity.id, credit=Decimal(1)),
            ],
        )
    await session.rollback()
    found = await session.scalar(
        select(JournalEntry.id).where(JournalEntry.description == description)
    )
    assert found is None


async def test_draft_then_post(session: AsyncSession, mini: MiniBook) -> None:
    entry = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="d",
        lines=pair(mini.cash.id, mini.equity.id, "1"),
        post=False,
    )
    assert (entry.status, entry.posted_at) == ("draft", None)
    posted = await journal.post_entry(session, entry.id)
    assert posted.status == "posted"


async def test_reverse_swaps_sides(session: AsyncSession, mini: MiniBook) -> None:
    entry = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="rent",
        lines=pair(mini.costs.id, mini.bank.id, "80"),
    )
    reversal = await journal.reverse_entry(session, entry.id, entry_date=DAY + dt.timedelta(days=1))
    assert reversal.reversal_of_id == entry.id
    assert [(line.account_id, line.debit, line.credit) for line in reversal.lines] == [
        (mini.costs.id, Decimal(0), Decimal(80)),
        (mini.bank.id, Decimal(80), Decimal(0)),
    ]


async def test_long_description_is_truncated_on_reversal(
    session: AsyncSession, mini: MiniBook
) -> None:
    entry = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="x" * 255,
        lines=pair(mini.costs.id, mini.bank.id, "1"),
    )
    reversal = await journal.reverse_entry(session, entry.id)
    assert len(reversal.description) == 255


async def test_void_and_delete_rules(session: AsyncSession, mini: MiniBook) -> None:
    entry = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="v",
        lines=pair(mini.cash.id, mini.equity.id, "1"),
    )
    with pytest.raises(Conflict):
        await journal.delete_entry(session, entry.id)
    await journal.void_entry(session, entry.id)
    assert entry.status == "void"
    with pytest.raises(Conflict):
        await journal.post_entry(session, entry.id)


async def test_delete_draft_cascades_lines(session: AsyncSession, mini: MiniBook) -> None:
    entry = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="d",
        lines=pair(mini.cash.id, mini.equity.id, "1"),
        post=False,
    )
    await session.commit()
    await journal.delete_entry(session, entry.id)
    await session.commit()
    remaining = await session.scalar(
        select(func.count()).select_from(JournalLine).where(JournalLine.entry_id == entry.id)
    )
    assert remaining == 0
    with pytest.raises(NotFound):
        await journal.get_entry(session, entry.id)


async def test_closed_period_blocks_creation(session: AsyncSession, mini: MiniBook) -> None:
    period = await periods.create_period(
        session,
        book_id=mini.book.id,
        name="Mar",
        start_date=dt.date(2024, 3, 1),
        end_date=dt.date(2024, 3, 31),
    )
    await periods.close_period(session, period.id)
    with pytest.raises(PeriodClosed, match="closed period 'Mar'"):
        await journal.create_entry(
            session,
            book_id=mini.book.id,
            entry_date=DAY,
            description="late",
            lines=pair(mini.cash.id, mini.equity.id, "1"),
        )


async def test_list_entries_by_account(session: AsyncSession, mini: MiniBook) -> None:
    a = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="a",
        lines=pair(mini.cash.id, mini.equity.id, "1"),
    )
    await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=DAY,
        description="b",
        lines=pair(mini.bank.id, mini.equity.id, "1"),
    )
    listed = await journal.list_entries(session, book_id=mini.book.id, account_id=mini.cash.id)
    assert [e.id for e in listed] == [a.id]
