from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, PeriodClosed, ValidationFailed
from ledger.services import periods
from tests.helpers import MiniBook

Q1 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))


async def test_create_and_list(session: AsyncSession, mini: MiniBook) -> None:
    await periods.create_period(
        session,
        book_id=mini.book.id,
        name="Q2",
        start_date=dt.date(2024, 4, 1),
        end_date=dt.date(2024, 6, 30),
    )
    await periods.create_period(
        session, book_id=mini.book.id, name="Q1", start_date=Q1[0], end_date=Q1[1]
    )
    names = [p.name for p in await periods.list_periods(session, book_id=mini.book.id)]
    assert names == ["Q1", "Q2"]


async def test_invalid_range(session: AsyncSession, mini: MiniBook) -> None:
    with pytest.raises(ValidationFailed):
        await periods.create_period(
            session, book_id=mini.book.id, name="bad", start_date=Q1[1], end_date=Q1[0]
        )


async def test_overlap(session: AsyncSession, mini: MiniBook) -> None:
    await periods.create_period(
        session, book_id=mini.book.id, name="Q1", start_date=Q1[0], end_date=Q1[1]
    )
    with pytest.raises(Conflict, match="overlaps existing period 'Q1'"):
        await periods.create_period(
            session,
            book_id=mini.book.id,
            name="Mar",
            start_date=dt.date(2024, 3, 1),
            end_date=dt.date(2024, 3, 31),
        )


@pytest.mark.parametrize(
    ("day", "blocked"),
    [
        (dt.date(2023, 12, 31), False),
        (Q1[0], True),
        (dt.date(2024, 2, 29), True),
        (Q1[1], True),
        (dt.date(2024, 4, 1), False),
    ],
)
async def test_ensure_open(
    session: AsyncSession, mini: MiniBook, day: dt.date, blocked: bool
) -> None:
    period = await periods.create_period(
        session, book_id=mini.book.id, name="Q1", start_date=Q1[0], end_date=Q1[1]
    )
    await periods.close_period(session, period.id)
    if blocked:
        with pytest.raises(PeriodClosed):
            await periods.ensure_open(session, book_id=mini.book.id, on=day)
    else:
        await periods.ensure_open(session, book_id=mini.book.id, on=day)


async def test_open_period_does_not_block(session: AsyncSession, mini: MiniBook) -> None:
    await periods.create_period(
        session, book_id=mini.book.id, name="Q1", start_date=Q1[0], end_date=Q1[1]
    )
    await periods.ensure_open(session, book_id=mini.book.id, on=Q1[0])


async def test_reopen(session: AsyncSession, mini: MiniBook) -> None:
    period = await periods.create_period(
        session, book_id=mini.book.id, name="Q1", start_date=Q1[0], end_date=Q1[1]
    )
    await periods.close_period(session, period.id)
    await periods.reopen_period(session, period.id)
    assert period.is_closed is False
    await periods.ensure_open(session, book_id=mini.book.id, on=Q1[0])


async def test_missing_period(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await periods.close_period(session, 987654321)
