from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, ValidationFailed
from ledger.models import JournalEntry
from ledger.services import journal, reconciliation
from ledger.services.journal import LineSpec
from ledger.services.reconciliation import StatementLineSpec
from tests.helpers import MiniBook, uid

JUNE = dt.date(2024, 6, 1)


async def _movement(session: AsyncSession, mini: MiniBook, amount: str, day: int) -> JournalEntry:
    value = Decimal(amount)
    other = mini.sales.id if value > 0 else mini.costs.id
    lines = (
        [LineSpec(mini.bank.id, debit=value), LineSpec(other, credit=value)]
        if value > 0
        else [LineSpec(other, debit=-value), LineSpec(mini.bank.id, credit=-value)]
    )
    entry = await journal.create_entry(
        session,
        book_id=mini.book.id,
        entry_date=JUNE.replace(day=day),
        description=f"mv {amount}",
        lines=lines,
    )
    await session.commit()
    return entry


async def _statement(session: AsyncSession, mini: MiniBook, *lines: tuple[int, str]) -> int:
    specs = [
        StatementLineSpec(
            txn_date=JUNE.replace(day=day),
            amount=Decimal(amount),
            description="b",
            external_id=f"x{n}",
        )
        for n, (day, amount) in enumerate(lines)
    ]
    statement = await reconciliation.import_statement(
        session,
        account_id=mini.bank.id,
        reference=f"S-{uid()}",
        statement_date=dt.date(2024, 6, 30),
        opening_balance=Decimal(0),
        closing_balance=sum((s.amount for s in specs), Decimal(0)),
        lines=specs,
    )
    await session.commit()
    return statement.id


async def test_auto_match_pairs_by_amount_and_date(session: AsyncSession, mini: MiniBook) -> None:
    deposit = await _movement(session, mini, "120", 3)
    payment = await _movement(session, mini, "-45.10", 9)
    statement_id = await _statement(session, mini, (4, "120"), (10, "-45.10"), (12, "7"))
    matches, left = await reconciliation.auto_match(session, statement_id, window_days=3)
    matched_journal = {m.journal_line_id for m in matches}
    assert matched_journal == {deposit.lines[0].id, payment.lines[1].id}
    assert len(left) == 1


async def test_summary_after_auto_match(session: AsyncSession, mini: MiniBook) -> None:
    await _movement(session, mini, "120", 3)
    statement_id = await _statement(session, mini, (4, "120"))
    await reconciliation.auto_match(session, statement_id, window_days=3)
    await session.commit()
    summary = await reconciliation.summary(session, statement_id)
    assert summary.is_reconciled
    assert summary.ledger_balance == Decimal(120)


async def test_manual_match_validates_amount(session: AsyncSession, mini: MiniBook) -> None:
    deposit = await _movement(session, mini, "120", 3)
    statement_id = await _statement(session, mini, (4, "121"))
    statement = await reconciliation.get_statement(session, statement_id)
    with pytest.raises(ValidationFailed, match="amounts differ"):
        await reconciliation.match_lines(
            session, statement_line_id=statement.lines[0].id, journal_line_id=deposit.lines[0].id
        )


async def test_double_match_conflicts(session: AsyncSession, mini: MiniBook) -> None:
    deposit = await _movement(session, mini, "5", 3)
    statement_id = await _statement(session, mini, (4, "5"))
    statement = await reconciliation.get_statement(session, statement_id)
    await reconciliation.match_lines(
        session, statement_line_id=statement.lines[0].id, journal_line_id=deposit.lines[0].id
    )
    with pytest.raises(Conflict):
        await reconciliation.match_lines(
            session, statement_line_id=statement.lines[0].id, journal_line_id=deposit.lines[0].id
        )


async def test_statement_must_add_up(session: AsyncSession, mini: MiniBook) -> None:
    with pytest.raises(ValidationFailed, match="!= closing"):
        await reconciliation.import_statement(
            session,
            account_id=mini.bank.id,
            reference="bad",
            statement_date=JUNE,
            opening_balance=Decimal(10),
            closing_balance=Decimal(11),
            lines=[],
        )


async def test_reconciled_entry_cannot_be_voided(session: AsyncSession, mini: MiniBook) -> None:
    deposit = await _movement(session, mini, "5", 3)
    statement_id = await _statement(session, mini, (4, "5"))
    await reconciliation.auto_match(session, statement_id, window_days=3)
    with pytest.raises(Conflict, match="reconciled"):
        await journal.void_entry(session, deposit.id)


async def test_matches_listed_in_creation_order(session: AsyncSession, mini: MiniBook) -> None:
    await _movement(session, mini, "5", 3)
    await _movement(session, mini, "6", 4)
    statement_id = await _statement(session, mini, (3, "5"), (4, "6"))
    created, _ = await reconciliation.auto_match(session, statement_id, window_days=0)
    await session.commit()
    listed = await reconciliation.list_matches(session, statement_id)
    assert [m.id for m in listed] == sorted(m.id for m in created)
