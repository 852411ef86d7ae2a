"""Fiscal periods and period close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, PeriodClosed, ValidationFailed
from ledger.models import FiscalPeriod, JournalEntry
from ledger.services import books
from ledger.services.clock import utcnow


async def create_period(
    session: AsyncSession, *, book_id: int, name: str, start_date: dt.date, end_date: dt.date
) -> FiscalPeriod:
    await books.get_book(session, book_id)
    if start_date > end_date:
        raise ValidationFailed("start_date must not be after end_date")
    clash = await session.scalar(
        select(FiscalPeriod).where(
            FiscalPeriod.book_id == book_id,
            FiscalPeriod.start_date <= end_date,
            FiscalPeriod.end_date >= start_date,
        )
    )
    if clash is not None:
        raise Conflict(f"period overlaps existing period {clash.name!r}")
    if await session.scalar(
        select(FiscalPeriod.id).where(FiscalPeriod.book_id == book_id, FiscalPeriod.name == name)
    ):
        raise Conflict(f"a period named {name!r} already exists")
    period = FiscalPeriod(
        book_id=book_id, name=name, start_date=start_date, end_date=end_date, is_closed=False
    )
    session.add(period)
    await session.flush()
    return period


async def get_period(session: AsyncSession, period_id: int) -> FiscalPeriod:
    period = await session.get(FiscalPeriod, period_id)
    if period is None:
        raise NotFound(f"period {period_id} does not exist")
    return period


async def list_periods(session: AsyncSession, *, book_id: int) -> Sequence[FiscalPeriod]:
    await books.get_book(session, book_id)
    stmt = (
        select(FiscalPeriod)
        .where(FiscalPeriod.book_id == book_id)
        .order_by(FiscalPeriod.start_date)
    )
    return (await session.scalars(stmt)).all()


async def close_period(session: AsyncSession, period_id: int) -> FiscalPeriod:
    period = await get_period(session, period_id)
    if period.is_closed:
        raise Conflict(f"period {period.name!r} is already closed")
    drafts = await session.scalar(
        select(
            exists().where(
                JournalEntry.book_id == period.book_id,
                JournalEntry.status == "draft",
                JournalEntry.entry_date >= period.start_date,
                JournalEntry.entry_date <= period.end_date,
            )
        )
    )
    if drafts:
        raise Conflict(f"period {period.name!r} still has draft entries")
    period.is_closed = True
    period.closed_at = utcnow()
    await session.flush()
    return period


async def reopen_period(session: AsyncSession, period_id: int) -> FiscalPeriod:
    period = await get_period(session, period_id)
    if not period.is_closed:
        raise Conflict(f"period {period.name!r} is not closed")
    period.is_closed = False
    period.closed_at = None
    await session.flush()
    return period


async def ensure_open(session: AsyncSession, *, book_id: int, on: dt.date) -> None:
    closed = await session.scalar(
        select(FiscalPeriod.name).where(
            FiscalPeriod.book_id == book_id,
            FiscalPeriod.is_closed.is_(True),
            FiscalPeriod.start_date <= on,
            FiscalPeriod.end_date >= on,
        )
    )
    if closed is not None:
        raise PeriodClosed(f"{on.isoformat()} falls in closed period {closed!r}")
