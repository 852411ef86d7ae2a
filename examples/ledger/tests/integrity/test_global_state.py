"""Tests that assert on table-wide state.

Each one is correct on a database that only this process writes to: it reads a
global figure, makes a change, and expects the figure to move by exactly that
change.  Two processes sharing one database would break them (and the fixed
names below, like the XTS currency, would collide) -- which is why every
pytest-xdist worker needs a database of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger.models import (
    Account,
    BankStatementLine,
    Currency,
    JournalEntry,
    JournalLine,
    ReconciliationMatch,
)
from tests.helpers import Chart, Json, LedgerApi, cr, dr, expect, uid

pytestmark = pytest.mark.global_state


async def _count(
    sessionmaker: async_sessionmaker[AsyncSession], model: type, *where: object
) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _usd(report: Json) -> tuple[Decimal, Decimal]:
    usd = next((t for t in report["totals"] if t["currency"] == "USD"), None)
    if usd is None:
        return Decimal(0), Decimal(0)
    return Decimal(usd["debit_total"]), Decimal(usd["credit_total"])


async def test_temporary_test_currency_roundtrip(api: LedgerApi) -> None:
    """XTS is ISO 4217's code reserved for testing."""
    before = await api.currencies()
    assert "XTS" not in {c["code"] for c in before}
    try:
        created = await api.create_currency("XTS", decimal_places=2, name="Testing code")
        assert created["code"] == "XTS"
        assert len(await api.currencies()) == len(before) + 1
    finally:
        await api.client.delete("/currencies/XTS")
    assert await api.currencies() == before


async def test_deactivating_a_seeded_currency_is_visible_globally(api: LedgerApi) -> None:
    active_before = {c["code"] for c in await api.currencies(active=True)}
    assert "SEK" in active_before
    try:
        expect(await api.client.patch("/currencies/SEK", json={"is_active": False}), 200)
        active = {c["code"] for c in await api.currencies(active=True)}
        assert active == active_before - {"SEK"}
    finally:
        expect(await api.client.patch("/currencies/SEK", json={"is_active": True}), 200)
    assert {c["code"] for c in await api.currencies(active=True)} == active_before


async def test_currency_listing_matches_table(
    api: LedgerApi, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    listed = await api.currencies()
    assert len(listed) == await _count(sessionmaker, Currency)


async def test_account_count_grows_by_exactly_three(
    api: LedgerApi, book: Json, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await _count(sessionmaker, Account)
    for code in ("1", "2", "3"):
        await api.create_account(book, code=code)
    assert await _count(sessionmaker, Account) == before + 3


async def test_book_listing_grows_by_one(api: LedgerApi) -> None:
    before = expect(await api.client.get("/books"), 200)
    book = await api.create_book()
    after = expect(await api.client.get("/books"), 200)
    assert after == [*before, book]


async def test_journal_line_count_tracks_entries(
    api: LedgerApi, chart: Chart, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await _count(sessionmaker, JournalLine)
    entry = await api.create_entry(
        chart.book, [dr(chart.rent, 10), dr(chart.supplies, 5), cr(chart.bank, 15)]
    )
    assert await _count(sessionmaker, JournalLine) == before + 3
    expect(await api.client.post(f"/journal-entries/{entry['id']}/void"), 200)
    assert await _count(sessionmaker, JournalLine) == before + 3
    draft = await api.create_entry(
        chart.book, [dr(chart.rent, 1), cr(chart.bank, 1)], status="draft"
    )
    assert await _count(sessionmaker, JournalLine) == before + 5
    expect(await api.client.delete(f"/journal-entries/{draft['id']}"), 204)
    assert await _count(sessionmaker, JournalLine) == before + 3


async def test_posted_entry_count_delta(
    api: LedgerApi, chart: Chart, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    posted = (JournalEntry.status == "posted",)
    before = await _count(sessionmaker, JournalEntry, *posted)
    for _ in range(4):
        await api.transfer(chart.book, chart.cash, chart.capital, 1)
    await api.transfer(chart.book, chart.cash, chart.capital, 1, status="draft")
    assert await _count(sessionmaker, JournalEntry, *posted) == before + 4


async def test_global_trial_balance_moves_by_posted_amount(api: LedgerApi, chart: Chart) -> None:
    before = _usd(await api.trial_balance(None))
    await api.transfer(chart.book, chart.bank, chart.sales, "1234.56")
    await api.transfer(chart.book, chart.rent, chart.bank, "0.44")
    after = _usd(await api.trial_balance(None))
    assert after[0] - before[0] == Decimal("1235.00")
    assert after[1] - before[1] == Decimal("1235.00")


async def test_global_trial_balance_as_of_excludes_future(api: LedgerApi, chart: Chart) -> None:
    cutoff = dt.date(2031, 12, 31)
    before = _usd(await api.trial_balance(None, as_of=cutoff))
    await api.transfer(chart.book, chart.bank, chart.sales, "10", entry_date=dt.date(2031, 6, 1))
    await api.transfer(chart.book, chart.bank, chart.sales, "99", entry_date=dt.date(2032, 1, 1))
    after = _usd(await api.trial_balance(None, as_of=cutoff))
    assert after[0] - before[0] == Decimal(10)


async def test_global_trial_balance_is_balanced(api: LedgerApi) -> None:
    report = await api.trial_balance(None)
    assert report["book_id"] is None
    assert all(total["balanced"] for total in report["totals"])


async def test_global_report_covers_every_active_account(
    api: LedgerApi, chart: Chart, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, "3")
    report = await api.trial_balance(None)
    async with sessionmaker() as session:
        with_activity = await session.scalar(
            select(func.count(func.distinct(JournalLine.account_id)))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalEntry.status == "posted")
        )
    assert len(report["rows"]) == with_activity


async def test_fixed_date_fx_rate_is_the_only_one(api: LedgerApi) -> None:
    """Uses a fixed historical day that no other test writes to."""
    day = dt.date(1999, 1, 4)
    params = {
        "base": "EUR",
        "quote": "USD",
        "date_from": day.isoformat(),
        "date_to": day.isoformat(),
    }
    assert expect(await api.client.get("/fx-rates", params=params), 200) == []
    row = await api.set_rate("EUR", "USD", day, "1.1789", source="ecb-first-fixing")
    try:
        assert expect(await api.client.get("/fx-rates", params=params), 200) == [row]
        quote = expect(
            await api.client.get(
                "/fx-rates/rate", params={"base": "EUR", "quote": "USD", "on": "1999-01-05"}
            ),
            200,
        )
        assert Decimal(quote["rate"]) == Decimal("1.1789")
    finally:
        expect(await api.client.delete(f"/fx-rates/{row['id']}"), 204)
    assert expect(await api.client.get("/fx-rates", params=params), 200) == []


async def test_unmatched_statement_lines_globally(
    api: LedgerApi, chart: Chart, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    unmatched = (BankStatementLine.id.not_in(select(ReconciliationMatch.statement_line_id)),)
    before = await _count(sessionmaker, BankStatementLine, *unmatched)
    await api.transfer(chart.book, chart.bank, chart.sales, "70", entry_date=dt.date(2024, 8, 1))
    await api.transfer(chart.book, chart.bank, chart.sales, "80", entry_date=dt.date(2024, 8, 2))
    statement = expect(
        await api.client.post(
            f"/accounts/{chart.bank['id']}/statements",
            json={
                "reference": f"G-{uid()}",
                "statement_date": "2024-08-31",
                "opening_balance": "0",
                "closing_balance": "155",
                "lines": [
                    {
                        "txn_date": "2024-08-01",
                        "amount": "70",
                        "description": "a",
                        "external_id": "1",
                    },
                    {
                        "txn_date": "2024-08-02",
                        "amount": "80",
                        "description": "b",
                        "external_id": "2",
                    },
                    {
                        "txn_date": "2024-08-03",
                        "amount": "5",
                        "description": "c",
                        "external_id": "3",
                    },
                ],
            },
        ),
        201,
    )
    assert await _count(sessionmaker, BankStatementLine, *unmatched) == before + 3
    expect(await api.client.post(f"/statements/{statement['id']}/auto-match"), 200)
    assert await _count(sessionmaker, BankStatementLine, *unmatched) == before + 1
