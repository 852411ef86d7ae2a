"""Database constraints back up the service-layer checks (bypassing the services here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.models import (
    Account,
    BankStatement,
    BankStatementLine,
    Currency,
    FiscalPeriod,
    FxRate,
    JournalEntry,
    JournalLine,
    ReconciliationMatch,
)
from tests.helpers import MiniBook

DAY = dt.date(2024, 1, 1)

# MariaDB reports a failed CHECK as error 4025, which PyMySQL maps to
# OperationalError rather than IntegrityError.
CONSTRAINT_VIOLATION = (IntegrityError, OperationalError)


def _entry(mini: MiniBook, **kw: object) -> JournalEntry:
    fields: dict[str, object] = {
        "book_id": mini.book.id,
        "entry_date": DAY,
        "description": "raw",
        "status": "posted",
    }
    fields.update(kw)
    return JournalEntry(**fields)


def _line(mini: MiniBook, **kw: object) -> JournalLine:
    fields: dict[str, object] = {"account_id": mini.cash.id, "currency": "USD", "line_no": 1}
    fields.update(kw)
    return JournalLine(**fields)


BAD_ROWS: dict[str, Callable[[MiniBook], list[object]]] = {
    "negative debit": lambda m: [_entry(m, lines=[_line(m, debit=Decimal(-1), credit=Decimal(0))])],
    "debit and credit": lambda m: [
        _entry(m, lines=[_line(m, debit=Decimal(1), credit=Decimal(1))])
    ],
    "unknown account": lambda m: [
        _entry(m, lines=[_line(m, account_id=987654321, debit=Decimal(1))])
    ],
    "unknown line currency": lambda m: [
        _entry(m, lines=[_line(m, currency="AAA", debit=Decimal(1))])
    ],
    "entry status": lambda m: [_entry(m, status="pending")],
    "account type": lambda m: [
        Account(book_id=m.book.id, code="X1", name="x", type="revenue", currency="USD")
    ],
    "duplicate account code": lambda m: [
        Account(book_id=m.book.id, code="1000", name="x", type="asset", currency="USD")
    ],
    "account in missing book": lambda m: [
        Account(book_id=987654321, code="X2", name="x", type="asset", currency="USD")
    ],
    "zero fx rate": lambda m: [
        FxRate(base_currency="EUR", quote_currency="JPY", as_of=DAY, rate=Decimal(0))
    ],
    "fx pair with itself": lambda m: [
        FxRate(base_currency="EUR", quote_currency="EUR", as_of=DAY, rate=Decimal(1))
    ],
    "currency places": lambda m: [Currency(code="ZZ9", name="x", decimal_places=7)],
    "period dates": lambda m: [
        FiscalPeriod(
            book_id=m.book.id, name="bad", start_date=DAY, end_date=DAY - dt.timedelta(days=1)
        )
    ],
    "duplicate entry reference": lambda m: [_entry(m, reference="DUP"), _entry(m, reference="DUP")],
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
async def test_constraint_rejects(session: AsyncSession, mini: MiniBook, case: str) -> None:
    for row in BAD_ROWS[case](mini):
        session.add(row)
    with pytest.raises(CONSTRAINT_VIOLATION):
        await session.flush()
    await session.rollback()


async def test_fx_rate_unique_per_day(session: AsyncSession, mini: MiniBook) -> None:
    far = dt.date(1987, 10, 19)
    session.add(FxRate(base_currency="NZD", quote_currency="AUD", as_of=far, rate=Decimal("0.9")))
    await session.flush()
    session.add(FxRate(base_currency="NZD", quote_currency="AUD", as_of=far, rate=Decimal("0.91")))
    with pytest.raises(CONSTRAINT_VIOLATION):
        await session.flush()
    await session.rollback()


async def test_statement_external_ids_unique(session: AsyncSession, mini: MiniBook) -> None:
    statement = BankStatement(
        account_id=mini.bank.id,
        reference="raw",
        statement_date=DAY,
        opening_balance=Decimal(0),
        closing_balance=Decimal(2),
        lines=[
            BankStatementLine(txn_date=DAY, amount=Decimal(1), description="a", external_id="same"),
            BankStatementLine(txn_date=DAY, amount=Decimal(1), description="b", external_id="same"),
        ],
    )
    session.add(statement)
    with pytest.raises(CONSTRAINT_VIOLATION):
        await session.flush()
    await session.rollback()


async def test_match_method_and_uniqueness(session: AsyncSession, mini: MiniBook) -> None:
    entry = _entry(
        mini,
        lines=[
            _line(mini, account_id=mini.bank.id, debit=Decimal(5)),
            _line(mini, account_id=mini.sales.id, credit=Decimal(5), line_no=2),
        ],
    )
    statement = BankStatement(
        account_id=mini.bank.id,
        reference="m",
        statement_date=DAY,
        opening_balance=Decimal(0),
        closing_balance=Decimal(5),
        lines=[
            BankStatementLine(txn_date=DAY, amount=Decimal(5), description="a", external_id="1")
        ],
    )
    session.add_all([entry, statement])
    await session.flush()
    session.add(
        ReconciliationMatch(
            statement_line_id=statement.lines[0].id,
            journal_line_id=entry.lines[0].id,
            method="magic",
        )
    )
    with pytest.raises(CONSTRAINT_VIOLATION):
        await session.flush()
    await session.rollback()


async def test_deleting_an_entry_cascades_to_lines_in_the_database(
    session: AsyncSession, mini: MiniBook
) -> None:
    entry = _entry(
        mini,
        lines=[
            _line(mini, debit=Decimal(1)),
            _line(mini, account_id=mini.equity.id, credit=Decimal(1), line_no=2),
        ],
    )
    session.add(entry)
    await session.commit()
    # Core DELETE: no ORM cascade involved, only ON DELETE CASCADE.
    await session.execute(delete(JournalEntry).where(JournalEntry.id == entry.id))
    await session.commit()
    left = await session.scalar(
        select(func.count()).select_from(JournalLine).where(JournalLine.entry_id == entry.id)
    )
    assert left == 0
