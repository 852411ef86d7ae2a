"""Bank statement import and reconciliation against journal lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, ValidationFailed
from ledger.models import (
    BankStatement,
    BankStatementLine,
    JournalEntry,
    JournalLine,
    ReconciliationMatch,
)
from ledger.services import accounts, currencies
from ledger.services.money import ZERO, fits_places, stored, total


@dataclass(frozen=True)
class StatementLineSpec:
    txn_date: dt.date
    amount: Decimal
    description: str
    external_id: str


@dataclass(frozen=True)
class BankItem:
    """A statement line as seen by the matcher."""

    id: int
    txn_date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class LedgerItem:
    """A posted journal line on the bank account as seen by the matcher."""

    id: int
    entry_date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class Summary:
    statement_id: int
    account_id: int
    statement_date: dt.date
    line_count: int
    matched_count: int
    unmatched_count: int
    unmatched_amount: Decimal
    closing_balance: Decimal
    ledger_balance: Decimal
    difference: Decimal
    is_reconciled: bool


def plan_matches(
    bank_items: Iterable[BankItem], ledger_items: Iterable[LedgerItem], *, window_days: int
) -> list[tuple[int, int]]:
    """Pair statement lines with journal lines of the same amount, dated close together.

    Statement lines are taken in date order; each picks the unused journal line
    with the smallest date gap (ties: earlier entry date, then lower id).
    Returns ``(statement_line_id, journal_line_id)`` pairs.
    """
    pool = sorted(ledger_items, key=lambda item: (item.entry_date, item.id))
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for bank in sorted(bank_items, key=lambda item: (item.txn_date, item.id)):
        best: tuple[int, LedgerItem] | None = None
        for candidate in pool:
            if candidate.id in used or candidate.amount != bank.amount:
                continue
            gap = abs((candidate.entry_date - bank.txn_date).days)
            if gap > window_days:
                continue
            if best is None or gap < best[0]:
                best = (gap, candidate)
        if best is not None:
            used.add(best[1].id)
            pairs.append((bank.id, best[1].id))
    return pairs


async def import_statement(
    session: AsyncSession,
    *,
    account_id: int,
    reference: str,
    statement_date: dt.date,
    opening_balance: Decimal,
    closing_balance: Decimal,
    lines: Sequence[StatementLineSpec],
) -> BankStatement:
    account = await accounts.get_account(session, account_id)
    if account.type != "asset":
        raise ValidationFailed(f"account {account.code} is not a bank (asset) account")
    if not account.is_active:
        raise ValidationFailed(f"account {account.code} is inactive")
    places = (await currencies.get_currency(session, account.currency)).decimal_places
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if line.amount == 0:
            raise ValidationFailed(f"statement line {number}: amount must not be zero")
        if not fits_places(line.amount, places):
            raise ValidationFailed(
                f"statement line {number}: {account.currency} takes {places} decimal places"
            )
        if line.txn_date > statement_date:
            raise ValidationFailed(f"statement line {number} is dated after the statement")
        if line.external_id in seen:
            raise ValidationFailed(f"duplicate external id {line.external_id!r}")
        seen.add(line.external_id)
    movement = total(line.amount for line in lines)
    if opening_balance + movement != closing_balance:
        raise ValidationFailed(
            f"opening {opening_balance} + movements {movement} != closing {closing_balance}"
        )
    duplicate = await session.scalar(
        select(BankStatement.id).where(
            BankStatement.account_id == account_id, BankStatement.reference == reference
        )
    )
    if duplicate is not None:
        raise Conflict(f"statement {reference!r} was already imported for this account")
    statement = BankStatement(
        account_id=account_id,
        reference=reference,
        statement_date=statement_date,
        opening_balance=stored(opening_balance),
        closing_balance=stored(closing_balance),
        lines=[
            BankStatementLine(
                txn_date=line.txn_date,
                amount=stored(line.amount),
                description=line.description,
                external_id=line.external_id,
            )
            for line in lines
        ],
    )
    session.add(statement)
    await session.flush()
    return statement


async def get_statement(session: AsyncSession, statement_id: int) -> BankStatement:
    statement = await session.get(BankStatement, statement_id)
    if statement is None:
        raise NotFound(f"bank statement {statement_id} does not exist")
    return statement


async def list_statements(session: AsyncSession, *, account_id: int) -> Sequence[BankStatement]:
    await accounts.get_account(session, account_id)
    stmt = (
        select(BankStatement)
        .where(BankStatement.account_id == account_id)
        .order_by(BankStatement.statement_date, BankStatement.id)
    )
    return (await session.scalars(stmt)).all()


async def list_matches(session: AsyncSession, statement_id: int) -> Sequence[ReconciliationMatch]:
    await get_statement(session, statement_id)
    stmt = (
        select(ReconciliationMatch)
        .join(BankStatementLine, BankStatementLine.id == ReconciliationMatch.statement_line_id)
        .where(BankStatementLine.statement_id == statement_id)
        .order_by(ReconciliationMatch.id)
    )
    return (await session.scalars(stmt)).all()


async def match_lines(
    session: AsyncSession, *, statement_line_id: int, journal_line_id: int, method: str = "manual"
) -> ReconciliationMatch:
    bank_line = await session.get(BankStatementLine, statement_line_id)
    if bank_line is None:
        raise NotFound(f"statement line {statement_line_id} does not exist")
    journal_line = await session.get(JournalLine, journal_line_id)
    if journal_line is None:
        raise NotFound(f"journal line {journal_line_id} does not exist")
    statement = await get_statement(session, bank_line.statement_id)
    if journal_line.account_id != statement.account_id:
        raise ValidationFailed("the journal line is not on the statement's account")
    status = await session.scalar(
        select(JournalEntry.status).where(JournalEntry.id == journal_line.entry_id)
    )
    if status != "posted":
        raise ValidationFailed("only lines of posted entries can be reconciled")
    if journal_line.debit - journal_line.credit != bank_line.amount:
        raise ValidationFailed(
            f"amounts differ: statement {bank_line.amount}, "
            f"ledger {journal_line.debit - journal_line.credit}"
        )
    taken = await session.scalar(
        select(ReconciliationMatch.id).where(
            (ReconciliationMatch.statement_line_id == statement_line_id)
            | (ReconciliationMatch.journal_line_id == journal_line_id)
        )
    )
    if taken is not None:
        raise Conflict("one of the lines is already reconciled")
    match = ReconciliationMatch(
        statement_line_id=statement_line_id, journal_line_id=journal_line_id, method=method
    )
    session.add(match)
    await session.flush()
    return match


async def unmatch(session: AsyncSession, match_id: int) -> None:
    match = await session.get(ReconciliationMatch, match_id)
    if match is None:
        raise NotFound(f"match {match_id} does not exist")
    await session.delete(match)
    await session.flush()


async def _unmatched_bank_items(session: AsyncSession, statement_id: int) -> list[BankItem]:
    matched = select(ReconciliationMatch.statement_line_id)
    rows = await session.execute(
        select(BankStatementLine.id, BankStatementLine.txn_date, BankStatementLine.amount).where(
            BankStatementLine.statement_id == statement_id,
            BankStatementLine.id.not_in(matched),
        )
    )
    return [BankItem(id=i, txn_date=d, amount=Decimal(a)) for i, d, a in rows]


async def _unmatched_ledger_items(
    session: AsyncSession, *, account_id: int, date_from: dt.date, date_to: dt.date
) -> list[LedgerItem]:
    matched = select(ReconciliationMatch.journal_line_id)
    rows = await session.execute(
        select(JournalLine.id, JournalEntry.entry_date, JournalLine.debit, JournalLine.credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.account_id == account_id,
            JournalEntry.status == "posted",
            JournalEntry.entry_date >= date_from,
            JournalEntry.entry_date <= date_to,
            JournalLine.id.not_in(matched),
        )
    )
    return [
        LedgerItem(id=i, entry_date=d, amount=Decimal(debit) - Decimal(credit))
        for i, d, debit, credit in rows
    ]


async def auto_match(
    session: AsyncSession, statement_id: int, *, window_days: int
) -> tuple[list[ReconciliationMatch], list[int]]:
    """Match what can be matched; returns (new matches, ids of lines left unmatched)."""
    statement = await get_statement(session, statement_id)
    bank_items = await _unmatched_bank_items(session, statement_id)
    if not bank_items:
        return [], []
    window = dt.timedelta(days=window_days)
    ledger_items = await _unmatched_ledger_items(
        session,
        account_id=statement.account_id,
        date_from=min(item.txn_date for item in bank_items) - window,
        date_to=max(item.txn_date for item in bank_items) + window,
    )
    pairs = plan_matches(bank_items, ledger_items, window_days=window_days)
    matches = [
        ReconciliationMatch(statement_line_id=bank_id, journal_line_id=ledger_id, method="auto")
        for bank_id, ledger_id in pairs
    ]
    session.add_all(matches)
    await session.flush()
    matched_ids = {bank_id for bank_id, _ in pairs}
    left = sorted(item.id for item in bank_items if item.id not in matched_ids)
    return matches, left


async def summary(session: AsyncSession, statement_id: int) -> Summary:
    statement = await get_statement(session, statement_id)
    matched_ids = set(
        (
            await session.scalars(
                select(ReconciliationMatch.statement_line_id).where(
                    ReconciliationMatch.statement_line_id.in_([line.id for line in statement.lines])
                )
            )
        ).all()
    )
    unmatched = [line for line in statement.lines if line.id not in matched_ids]
    balance = await accounts.account_balance(
        session, statement.account_id, as_of=statement.statement_date
    )
    ledger_balance = balance.debit_total - balance.credit_total
    difference = statement.closing_balance - ledger_balance
    return Summary(
        statement_id=statement.id,
        account_id=statement.account_id,
        statement_date=statement.statement_date,
        line_count=len(statement.lines),
        matched_count=len(matched_ids),
        unmatched_count=len(unmatched),
        unmatched_amount=total(line.amount for line in unmatched),
        closing_balance=statement.closing_balance,
        ledger_balance=ledger_balance,
        difference=difference,
        is_reconciled=not unmatched and difference == ZERO,
    )
