"""Financial reports.

Balances come from posted entries only.  Amounts in reports that span
currencies are converted to the book's base currency at the closing rate of
the report date (income statement: rate at the end of the period).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Subquery

from ledger import schemas
from ledger.errors import ValidationFailed
from ledger.models import Account, Book, Currency, JournalEntry, JournalLine
from ledger.services import accounts as account_service
from ledger.services import books, fx
from ledger.services.money import ZERO, quantize, signed_balance, split_balance, to_decimal


async def _places(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Currency.code, Currency.decimal_places))
    return dict(rows.all())


async def trial_balance(
    session: AsyncSession,
    *,
    book_id: int | None = None,
    as_of: dt.date | None = None,
    include_zero: bool = False,
) -> schemas.TrialBalanceOut:
    """Per-account debit/credit totals and balances, with per-currency totals.

    Without ``book_id`` the report spans every book (the auditors' global view).
    """
    if book_id is not None:
        await books.get_book(session, book_id)
    sub = _activity(book_id=book_id, date_to=as_of)
    stmt = select(Account, sub.c.debit, sub.c.credit)
    if include_zero:
        stmt = stmt.outerjoin(sub, sub.c.account_id == Account.id)
    else:
        stmt = stmt.join(sub, sub.c.account_id == Account.id)
    if book_id is not None:
        stmt = stmt.where(Account.book_id == book_id)
    stmt = stmt.order_by(Account.book_id, Account.code)

    rows: list[schemas.TrialBalanceRow] = []
    totals: dict[str, list[Decimal]] = {}
    for account, debit_raw, credit_raw in await session.execute(stmt):
        debit, credit = to_decimal(debit_raw), to_decimal(credit_raw)
        debit_balance, credit_balance = split_balance(debit - credit)
        rows.append(
            schemas.TrialBalanceRow(
                account_id=account.id,
                book_id=account.book_id,
                code=account.code,
                name=account.name,
                type=account.type,
                currency=account.currency,
                debit_total=debit,
                credit_total=credit,
                debit_balance=debit_balance,
                credit_balance=credit_balance,
            )
        )
        acc = totals.setdefault(account.currency, [ZERO, ZERO, ZERO, ZERO])
        acc[0] += debit
        acc[1] += credit
        acc[2] += debit_balance
        acc[3] += credit_balance
    return schemas.TrialBalanceOut(
        book_id=book_id,
        as_of=as_of,
        rows=rows,
        totals=[
            schemas.CurrencyTotals(
                currency=ccy,
                debit_total=d,
                credit_total=c,
                debit_balance=db,
                credit_balance=cb,
                balanced=d == c and db == cb,
            )
            for ccy, (d, c, db, cb) in sorted(totals.items())
        ],
    )


def _activity(
    *,
    book_id: int | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Subquery:
    """Posted (debit, credit) totals per account, as a subquery.

    Aggregating in a subquery and joining accounts afterwards keeps the GROUP BY
    to one column, which every backend accepts (no functional-dependency tricks).
    """
    stmt = (
        select(
            JournalLine.account_id.label("account_id"),
            func.sum(JournalLine.debit).label("debit"),
            func.sum(JournalLine.credit).label("credit"),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.status == "posted")
        .group_by(JournalLine.account_id)
    )
    if book_id is not None:
        stmt = stmt.where(JournalEntry.book_id == book_id)
    if date_from is not None:
        stmt = stmt.where(JournalEntry.entry_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(JournalEntry.entry_date <= date_to)
    return stmt.subquery()


async def _natural_balances(
    session: AsyncSession,
    *,
    book_id: int,
    types: Sequence[str],
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[tuple[Account, Decimal]]:
    sub = _activity(book_id=book_id, date_from=date_from, date_to=date_to)
    stmt = (
        select(Account, sub.c.debit, sub.c.credit)
        .join(sub, sub.c.account_id == Account.id)
        .where(Account.book_id == book_id, Account.type.in_(types))
        .order_by(Account.code)
    )
    result = []
    for account, debit, credit in await session.execute(stmt):
        balance = signed_balance(
            to_decimal(debit), to_decimal(credit), debit_normal=account.debit_normal
        )
        result.append((account, balance))
    return result


def _line(account: Account, amount: Decimal, converted: Decimal, places: int) -> schemas.ReportLine:
    return schemas.ReportLine(
        account_id=account.id,
        code=account.code,
        name=account.name,
        currency=account.currency,
        amount=amount,
        converted=quantize(converted, places),
    )


async def balance_sheet(
    session: AsyncSession, *, book_id: int, as_of: dt.date
) -> schemas.BalanceSheetOut:
    book = await books.get_book(session, book_id)
    places = await _places(session)
    base_places = places[book.base_currency]
    balances = await _natural_balances(
        session,
        book_id=book_id,
        types=("asset", "liability", "equity", "income", "expense"),
        date_to=as_of,
    )
    rates = await fx.load_rate_table(
        session, {account.currency for account, _ in balances} | {book.base_currency}, until=as_of
    )
    sections: dict[str, list[schemas.ReportLine]] = {"asset": [], "liability": [], "equity": []}
    exact: dict[str, Decimal] = {"asset": ZERO, "liability": ZERO, "equity": ZERO}
    retained = ZERO
    for account, amount in balances:
        converted = rates.convert(amount, account.currency, book.base_currency, as_of)
        if account.type in sections:
            sections[account.type].append(_line(account, amount, converted, base_places))
            exact[account.type] += converted
        elif account.type == "income":
            retained += converted
        else:
            retained -= converted
    difference = exact["asset"] - (exact["liability"] + exact["equity"] + retained)
    return schemas.BalanceSheetOut(
        book_id=book.id,
        as_of=as_of,
        currency=book.base_currency,
        assets=sections["asset"],
        liabilities=sections["liability"],
        equity=sections["equity"],
        retained_earnings=quantize(retained, base_places),
        total_assets=quantize(exact["asset"], base_places),
        total_liabilities=quantize(exact["liability"], base_places),
        total_equity=quantize(exact["equity"] + retained, base_places),
        difference=quantize(difference, base_places),
        balanced=quantize(difference, base_places) == 0,
    )


async def income_statement(
    session: AsyncSession, *, book_id: int, date_from: dt.date, date_to: dt.date
) -> schemas.IncomeStatementOut:
    if date_from > date_to:
        raise ValidationFailed("date_from must not be after date_to")
    book = await books.get_book(session, book_id)
    places = await _places(session)
    base_places = places[book.base_currency]
    balances = await _natural_balances(
        session,
        book_id=book_id,
        types=("income", "expense"),
        date_from=date_from,
        date_to=date_to,
    )
    rates = await fx.load_rate_table(
        session, {account.currency for account, _ in balances} | {book.base_currency}, until=date_to
    )
    income: list[schemas.ReportLine] = []
    expenses: list[schemas.ReportLine] = []
    total_income = total_expenses = ZERO
    for account, amount in balances:
        converted = rates.convert(amount, account.currency, book.base_currency, date_to)
        if account.type == "income":
            income.append(_line(account, amount, converted, base_places))
            total_income += converted
        else:
            expenses.append(_line(account, amount, converted, base_places))
            total_expenses += converted
    return schemas.IncomeStatementOut(
        book_id=book.id,
        date_from=date_from,
        date_to=date_to,
        currency=book.base_currency,
        income=income,
        expenses=expenses,
        total_income=quantize(total_income, base_places),
        total_expenses=quantize(total_expenses, base_places),
        net_income=quantize(total_income - total_expenses, base_places),
    )


async def account_ledger(
    session: AsyncSession,
    *,
    account_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> schemas.AccountLedgerOut:
    """Posted lines of one account in date order with a running balance."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValidationFailed("date_from must not be after date_to")
    account = await account_service.get_account(session, account_id)
    opening = ZERO
    if date_from is not None:
        before = await account_service.account_balance(
            session, account_id, as_of=date_from - dt.timedelta(days=1)
        )
        opening = before.balance
    stmt = (
        select(
            JournalEntry.id,
            JournalLine.id,
            JournalEntry.entry_date,
            JournalEntry.description,
            JournalEntry.reference,
            JournalLine.memo,
            JournalLine.debit,
            JournalLine.credit,
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.account_id == account_id, JournalEntry.status == "posted")
        .order_by(JournalEntry.entry_date, JournalEntry.id, JournalLine.line_no, JournalLine.id)
    )
    if date_from is not None:
        stmt = stmt.where(JournalEntry.entry_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(JournalEntry.entry_date <= date_to)
    running = opening
    total_debit = total_credit = ZERO
    rows: list[schemas.LedgerRowOut] = []
    for (
        entry_id,
        line_id,
        entry_date,
        description,
        reference,
        memo,
        debit_raw,
        credit_raw,
    ) in await session.execute(stmt):
        debit, credit = to_decimal(debit_raw), to_decimal(credit_raw)
        running += signed_balance(debit, credit, debit_normal=account.debit_normal)
        total_debit += debit
        total_credit += credit
        rows.append(
            schemas.LedgerRowOut(
                entry_id=entry_id,
                line_id=line_id,
                entry_date=entry_date,
                description=description,
                reference=reference,
                memo=memo,
                debit=debit,
                credit=credit,
                balance=running,
            )
        )
    return schemas.AccountLedgerOut(
        account_id=account.id,
        code=account.code,
        currency=account.currency,
        date_from=date_from,
        date_to=date_to,
        opening_balance=opening,
        total_debit=total_debit,
        total_credit=total_credit,
        closing_balance=running,
        rows=rows,
    )


async def fx_revaluation(
    session: AsyncSession, *, book_id: int, as_of: dt.date
) -> schemas.RevaluationOut:
    """Unrealised FX gains/losses on foreign-currency monetary accounts.

    Historical value: every posted line translated at the rate of its entry
    date.  Revalued value: the balance translated at the ``as_of`` rate.
    A gain is an increase in the base value of an asset (or a decrease for a
    liability).
    """
    book: Book = await books.get_book(session, book_id)
    places = await _places(session)
    base_places = places[book.base_currency]
    stmt = (
        select(Account, JournalEntry.entry_date, JournalLine.debit, JournalLine.credit)
        .join(JournalLine, JournalLine.account_id == Account.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            Account.book_id == book_id,
            Account.currency != book.base_currency,
            Account.type.in_(("asset", "liability")),
            JournalEntry.status == "posted",
            JournalEntry.entry_date <= as_of,
        )
        .order_by(Account.code, JournalEntry.entry_date)
    )
    lines = (await session.execute(stmt)).all()
    rates = await fx.load_rate_table(
        session, {account.currency for account, *_ in lines} | {book.base_currency}, until=as_of
    )
    per_account: dict[int, tuple[Account, Decimal, Decimal]] = {}
    for account, entry_date, debit_raw, credit_raw in lines:
        amount = signed_balance(
            to_decimal(debit_raw), to_decimal(credit_raw), debit_normal=account.debit_normal
        )
        historical = rates.convert(amount, account.currency, book.base_currency, entry_date)
        _, balance, value = per_account.get(account.id, (account, ZERO, ZERO))
        per_account[account.id] = (account, balance + amount, value + historical)

    rows: list[schemas.RevaluationRow] = []
    total_gain = ZERO
    for account, balance, historical in per_account.values():
        rate = rates.rate(account.currency, book.base_currency, as_of)
        revalued = balance * rate
        change = revalued - historical
        gain = quantize(change if account.debit_normal else -change, base_places)
        total_gain += gain
        rows.append(
            schemas.RevaluationRow(
                account_id=account.id,
                code=account.code,
                name=account.name,
                type=account.type,  # type: ignore[arg-type]
                currency=account.currency,
                balance=balance,
                historical_value=quantize(historical, base_places),
                rate=rate,
                revalued_value=quantize(revalued, base_places),
                unrealized_gain=gain,
            )
        )
    return schemas.RevaluationOut(
        book_id=book.id,
        as_of=as_of,
        base_currency=book.base_currency,
        rows=rows,
        total_unrealized_gain=total_gain,
    )
