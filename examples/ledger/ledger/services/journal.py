"""Journal entries: validation (double entry, per currency), posting, voiding, reversal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, UnbalancedEntry, ValidationFailed
from ledger.models import Account, JournalEntry, JournalLine, ReconciliationMatch
from ledger.services import books, currencies, periods
from ledger.services.clock import utcnow
from ledger.services.money import ZERO, fits_places, quantize, stored


@dataclass(frozen=True)
class LineSpec:
    account_id: int
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    currency: str | None = None
    memo: str | None = None


@dataclass(frozen=True)
class ResolvedLine:
    line_no: int
    account_id: int
    currency: str
    debit: Decimal
    credit: Decimal
    memo: str | None


def imbalances(lines: Sequence[ResolvedLine]) -> dict[str, tuple[Decimal, Decimal]]:
    """Per-currency (debits, credits) for every currency that does not balance."""
    sums: dict[str, tuple[Decimal, Decimal]] = {}
    for line in lines:
        debit, credit = sums.get(line.currency, (ZERO, ZERO))
        sums[line.currency] = (debit + line.debit, credit + line.credit)
    return {ccy: dc for ccy, dc in sorted(sums.items()) if dc[0] != dc[1]}


def resolve_lines(
    specs: Sequence[LineSpec],
    *,
    book_id: int,
    accounts: Mapping[int, Account],
    places: Mapping[str, int],
) -> list[ResolvedLine]:
    """Validate raw lines against the accounts they post to; pure (no I/O)."""
    if len(specs) < 2:
        raise ValidationFailed("a journal entry needs at least two lines")
    resolved: list[ResolvedLine] = []
    for number, spec in enumerate(specs, start=1):
        where = f"line {number}"
        if spec.debit < 0 or spec.credit < 0:
            raise ValidationFailed(f"{where}: amounts must not be negative")
        if spec.debit > 0 and spec.credit > 0:
            raise ValidationFailed(f"{where}: a line is either a debit or a credit, not both")
        if spec.debit == 0 and spec.credit == 0:
            raise ValidationFailed(f"{where}: amount must not be zero")
        account = accounts.get(spec.account_id)
        if account is None:
            raise ValidationFailed(f"{where}: account {spec.account_id} does not exist")
        if account.book_id != book_id:
            raise ValidationFailed(f"{where}: account {account.code} belongs to another book")
        if not account.is_active:
            raise ValidationFailed(f"{where}: account {account.code} is inactive")
        currency = spec.currency or account.currency
        if currency != account.currency:
            raise ValidationFailed(
                f"{where}: account {account.code} is kept in {account.currency}, not {currency}"
            )
        if currency not in places:
            raise ValidationFailed(f"{where}: unknown currency {currency}")
        amount = spec.debit or spec.credit
        if not fits_places(amount, places[currency]):
            raise ValidationFailed(
                f"{where}: {currency} amounts take {places[currency]} decimal places, got {amount}"
            )
        resolved.append(
            ResolvedLine(
                line_no=number,
                account_id=account.id,
                currency=currency,
                debit=stored(spec.debit),
                credit=stored(spec.credit),
                memo=spec.memo,
            )
        )
    unbalanced = imbalances(resolved)
    if unbalanced:
        detail = "; ".join(
            f"{ccy}: debits {quantize(dr, places[ccy])} != credits {quantize(cr, places[ccy])}"
            for ccy, (dr, cr) in unbalanced.items()
        )
        raise UnbalancedEntry(f"entry does not balance ({detail})")
    return resolved


async def _load_accounts(session: AsyncSession, ids: set[int]) -> dict[int, Account]:
    rows = await session.scalars(select(Account).where(Account.id.in_(sorted(ids))))
    return {account.id: account for account in rows}


async def create_entry(
    session: AsyncSession,
    *,
    book_id: int,
    entry_date: dt.date,
    description: str,
    lines: Sequence[LineSpec],
    reference: str | None = None,
    post: bool = True,
) -> JournalEntry:
    await books.get_book(session, book_id)
    if reference is not None:
        duplicate = await session.scalar(
            select(JournalEntry.id).where(
                JournalEntry.book_id == book_id, JournalEntry.reference == reference
            )
        )
        if duplicate is not None:
            raise Conflict(f"reference {reference!r} is already used by entry {duplicate}")
    accounts = await _load_accounts(session, {line.account_id for line in lines})
    codes = {line.currency for line in lines if line.currency} | {
        a.currency for a in accounts.values()
    }
    places = await currencies.decimal_places(session, codes)
    resolved = resolve_lines(lines, book_id=book_id, accounts=accounts, places=places)
    await periods.ensure_open(session, book_id=book_id, on=entry_date)
    entry = JournalEntry(
        book_id=book_id,
        entry_date=entry_date,
        description=description,
        reference=reference,
        status="posted" if post else "draft",
        posted_at=utcnow() if post else None,
        lines=[
            JournalLine(
                line_no=line.line_no,
                account_id=line.account_id,
                currency=line.currency,
                debit=line.debit,
                credit=line.credit,
                memo=line.memo,
            )
            for line in resolved
        ],
    )
    session.add(entry)
    await session.flush()
    return entry


async def get_entry(session: AsyncSession, entry_id: int) -> JournalEntry:
    entry = await session.get(JournalEntry, entry_id)
    if entry is None:
        raise NotFound(f"journal entry {entry_id} does not exist")
    return entry


async def list_entries(
    session: AsyncSession,
    *,
    book_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str | None = None,
    account_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[JournalEntry]:
    await books.get_book(session, book_id)
    stmt = select(JournalEntry).where(JournalEntry.book_id == book_id)
    if date_from is not None:
        stmt = stmt.where(JournalEntry.entry_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(JournalEntry.entry_date <= date_to)
    if status is not None:
        stmt = stmt.where(JournalEntry.status == status)
    if account_id is not None:
        stmt = stmt.where(
            exists().where(
                JournalLine.entry_id == JournalEntry.id, JournalLine.account_id == account_id
            )
        )
    stmt = stmt.order_by(JournalEntry.entry_date, JournalEntry.id).limit(limit).offset(offset)
    return (await session.scalars(stmt)).all()


async def post_entry(session: AsyncSession, entry_id: int) -> JournalEntry:
    entry = await get_entry(session, entry_id)
    if entry.status != "draft":
        raise Conflict(f"entry {entry.id} is {entry.status}, only drafts can be posted")
    accounts = await _load_accounts(session, {line.account_id for line in entry.lines})
    inactive = sorted(a.code for a in accounts.values() if not a.is_active)
    if inactive:
        raise ValidationFailed(f"cannot post to inactive accounts: {', '.join(inactive)}")
    await periods.ensure_open(session, book_id=entry.book_id, on=entry.entry_date)
    entry.status = "posted"
    entry.posted_at = utcnow()
    await session.flush()
    return entry


async def _reversal_of(session: AsyncSession, entry_id: int) -> int | None:
    return await session.scalar(
        select(JournalEntry.id).where(
            JournalEntry.reversal_of_id == entry_id, JournalEntry.status != "void"
        )
    )


async def _is_reconciled(session: AsyncSession, entry: JournalEntry) -> bool:
    line_ids = [line.id for line in entry.lines]
    return bool(
        await session.scalar(
            select(exists().where(ReconciliationMatch.journal_line_id.in_(line_ids)))
        )
    )


async def void_entry(session: AsyncSession, entry_id: int) -> JournalEntry:
    entry = await get_entry(session, entry_id)
    if entry.status != "posted":
        raise Conflict(f"entry {entry.id} is {entry.status}, only posted entries can be voided")
    reversal = await _reversal_of(session, entry.id)
    if reversal is not None:
        raise Conflict(f"entry {entry.id} was reversed by entry {reversal}")
    if await _is_reconciled(session, entry):
        raise Conflict(f"entry {entry.id} has reconciled lines; unmatch them first")
    await periods.ensure_open(session, book_id=entry.book_id, on=entry.entry_date)
    entry.status = "void"
    await session.flush()
    return entry


async def reverse_entry(
    session: AsyncSession,
    entry_id: int,
    *,
    entry_date: dt.date | None = None,
    description: str | None = None,
) -> JournalEntry:
    original = await get_entry(session, entry_id)
    if original.status != "posted":
        raise Conflict(f"entry {original.id} is {original.status}, only posted entries reverse")
    if original.reversal_of_id is not None:
        raise Conflict(f"entry {original.id} is itself a reversal")
    existing = await _reversal_of(session, original.id)
    if existing is not None:
        raise Conflict(f"entry {original.id} was already reversed by entry {existing}")
    reversal_date = entry_date or original.entry_date
    if reversal_date < original.entry_date:
        raise ValidationFailed("a reversal cannot be dated before the entry it reverses")
    await periods.ensure_open(session, book_id=original.book_id, on=reversal_date)
    reversal = JournalEntry(
        book_id=original.book_id,
        entry_date=reversal_date,
        description=(description or f"Reversal of entry {original.id}: {original.description}")[
            :255
        ],
        status="posted",
        posted_at=utcnow(),
        reversal_of_id=original.id,
        lines=[
            JournalLine(
                line_no=line.line_no,
                account_id=line.account_id,
                currency=line.currency,
                debit=line.credit,
                credit=line.debit,
                memo=line.memo,
            )
            for line in original.lines
        ],
    )
    session.add(reversal)
    await session.flush()
    return reversal


async def delete_entry(session: AsyncSession, entry_id: int) -> None:
    entry = await get_entry(session, entry_id)
    if entry.status != "draft":
        raise Conflict(f"entry {entry.id} is {entry.status}; only drafts can be deleted")
    await session.delete(entry)
    await session.flush()
