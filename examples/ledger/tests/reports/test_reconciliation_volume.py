"""Auto-matching a busy month: hundreds of statement lines against bulk-loaded entries."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.bulk import Entry, bulk_post, money
from tests.helpers import Json, LedgerApi, expect, uid

# The module-scoped data set is committed once and shared; each test's own writes roll back.
# Pinned, so a run switched to reset or fresh keeps the shared rows for these tests.
pytestmark = [pytest.mark.slow, pytest.mark.shared_rows, pytest.mark.dbfleet(isolation="rollback")]

MONTH_START = dt.date(2024, 5, 1)
STATEMENT_DATE = dt.date(2024, 5, 31)


@dataclass
class Busy:
    book: Json
    bank: Json
    statement: Json
    entries: list[Entry]
    bank_only: int  # statement lines with no ledger counterpart
    ledger_only: int  # ledger movements missing from the statement


@pytest.fixture(scope="module")
async def busy(api: LedgerApi, sessionmaker: async_sessionmaker[AsyncSession]) -> Busy:
    rng = random.Random(31)
    book = await api.create_book()
    bank = await api.create_account(book, code="1010", name="Main bank")
    other = {
        code: await api.create_account(book, code=code, type=t)
        for code, t in (("4000", "income"), ("6000", "expense"))
    }
    entries: list[Entry] = []
    statement_lines: list[Json] = []
    ledger_only = 0
    used_amounts: set[Decimal] = set()
    for n in range(700):
        day = MONTH_START + dt.timedelta(days=rng.randint(0, 27))
        amount = money(rng, 1, 9000)
        while amount in used_amounts:  # unique amounts keep the expected pairing obvious
            amount += Decimal("0.01")
        used_amounts.add(amount)
        if rng.random() < 0.5:
            entries.append(Entry.simple(day, f"receipt {n}", "1010", "4000", amount))
            signed = amount
        else:
            entries.append(Entry.simple(day, f"payment {n}", "6000", "1010", amount))
            signed = -amount
        if rng.random() < 0.04:
            ledger_only += 1  # e.g. a cheque not yet presented
            continue
        bank_day = min(day + dt.timedelta(days=rng.randint(0, 3)), STATEMENT_DATE)
        statement_lines.append(
            {
                "txn_date": bank_day.isoformat(),
                "amount": str(signed),
                "description": f"bank {n}",
                "external_id": f"tx-{n}",
            }
        )
    bank_only = 25
    for n in range(bank_only):
        amount = Decimal(-(n + 1)) - Decimal("0.37")  # fees nobody booked
        statement_lines.append(
            {
                "txn_date": STATEMENT_DATE.isoformat(),
                "amount": str(amount),
                "description": "fee",
                "external_id": f"fee-{n}",
            }
        )
    async with sessionmaker() as session:
        await bulk_post(
            session,
            book_id=book["id"],
            entries=entries,
            account_ids={
                "1010": bank["id"],
                "4000": other["4000"]["id"],
                "6000": other["6000"]["id"],
            },
            currencies={"1010": "USD", "4000": "USD", "6000": "USD"},
        )
    closing = sum((Decimal(line["amount"]) for line in statement_lines), Decimal(0))
    statement = expect(
        await api.client.post(
            f"/accounts/{bank['id']}/statements",
            json={
                "reference": f"MAY-{uid()}",
                "statement_date": STATEMENT_DATE.isoformat(),
                "opening_balance": "0",
                "closing_balance": str(closing),
                "lines": statement_lines,
            },
        ),
        201,
    )
    return Busy(book, bank, statement, entries, bank_only, ledger_only)


async def test_statement_imported_in_full(busy: Busy) -> None:
    assert len(busy.statement["lines"]) == len(busy.entries) - busy.ledger_only + busy.bank_only


@pytest.fixture(scope="module")
async def matched(api: LedgerApi, busy: Busy) -> Json:
    """Run the auto-matcher once for the module (it is idempotent anyway)."""
    return expect(
        await api.client.post(
            f"/statements/{busy.statement['id']}/auto-match", params={"window_days": 3}
        ),
        200,
    )


async def test_auto_match_result(busy: Busy, matched: Json) -> None:
    assert len(matched["matched"]) == len(busy.entries) - busy.ledger_only
    assert len(matched["unmatched_statement_line_ids"]) == busy.bank_only
    assert {m["method"] for m in matched["matched"]} == {"auto"}


async def test_summary_after_matching(api: LedgerApi, busy: Busy, matched: Json) -> None:
    summary = expect(await api.client.get(f"/statements/{busy.statement['id']}/summary"), 200)
    assert summary["matched_count"] == len(matched["matched"])
    assert summary["unmatched_count"] == busy.bank_only
    expected_fees = -sum(
        (Decimal(n + 1) + Decimal("0.37") for n in range(busy.bank_only)), Decimal(0)
    )
    assert Decimal(summary["unmatched_amount"]) == expected_fees
    assert summary["is_reconciled"] is False


async def test_rerun_matches_nothing_new(api: LedgerApi, busy: Busy, matched: Json) -> None:
    again = expect(await api.client.post(f"/statements/{busy.statement['id']}/auto-match"), 200)
    assert again["matched"] == []
    assert len(again["unmatched_statement_line_ids"]) == busy.bank_only


async def test_every_match_pairs_equal_amounts(api: LedgerApi, busy: Busy, matched: Json) -> None:
    matches = expect(await api.client.get(f"/statements/{busy.statement['id']}/matches"), 200)
    amounts = {line["id"]: Decimal(line["amount"]) for line in busy.statement["lines"]}
    ledger = await api.ledger(busy.bank)
    movement = {
        row["line_id"]: Decimal(row["debit"]) - Decimal(row["credit"]) for row in ledger["rows"]
    }
    assert matches
    for match in matches:
        assert amounts[match["statement_line_id"]] == movement[match["journal_line_id"]]


async def test_ledger_balance_vs_statement(api: LedgerApi, busy: Busy) -> None:
    summary = expect(await api.client.get(f"/statements/{busy.statement['id']}/summary"), 200)
    ledger_total = sum(
        (
            line.debit - line.credit
            for e in busy.entries
            for line in e.lines
            if line.account == "1010"
        ),
        Decimal(0),
    )
    assert Decimal(summary["ledger_balance"]) == ledger_total
    assert Decimal(summary["difference"]) == Decimal(summary["closing_balance"]) - ledger_total
