"""Reports over three years of bulk-loaded activity (tens of thousands of journal lines)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger.services import reports
from tests.bulk import Entry, Line, bulk_post, money, month_end, net_debits
from tests.helpers import Json, LedgerApi

# The module-scoped data set is committed once and shared; each test's own writes roll back.
# Pinned, so a run switched to reset or fresh keeps the shared rows for these tests.
pytestmark = [pytest.mark.slow, pytest.mark.shared_rows, pytest.mark.dbfleet(isolation="rollback")]

ACCOUNTS = {
    "1010": "asset",
    "1020": "asset",
    "1200": "asset",
    "1300": "asset",
    "2100": "liability",
    "2200": "liability",
    "3100": "equity",
    "4100": "income",
    "4200": "income",
    "6100": "expense",
    "6200": "expense",
    "6300": "expense",
    "6400": "expense",
}
DEBIT_NORMAL = {"asset", "expense"}


def generate(seed: int = 7, days: int = 1096) -> list[Entry]:
    rng = random.Random(seed)
    start = dt.date(2023, 1, 1)
    entries = [Entry.simple(start, "Opening capital", "1010", "3100", Decimal(500000))]
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for _ in range(rng.randint(4, 10)):
            kind = rng.random()
            amount = money(rng, 10, 2500)
            if kind < 0.35:
                entries.append(
                    Entry.simple(day, "Sale", "1200", rng.choice(["4100", "4200"]), amount)
                )
            elif kind < 0.6:
                entries.append(Entry.simple(day, "Receipt", "1010", "1200", amount))
            elif kind < 0.8:
                entries.append(
                    Entry.simple(
                        day, "Purchase", rng.choice(["6100", "6200", "6300"]), "2100", amount
                    )
                )
            elif kind < 0.95:
                entries.append(Entry.simple(day, "Supplier payment", "2100", "1010", amount))
            else:
                tax = (amount * Decimal("0.2")).quantize(Decimal("0.01"))
                entries.append(
                    Entry(
                        day,
                        "Sale with VAT",
                        [
                            Line("1300", debit=amount + tax),
                            Line("4100", credit=amount),
                            Line("2200", credit=tax),
                        ],
                    )
                )
        if day.day == 1:
            entries.append(Entry.simple(day, "Sweep", "1020", "1010", Decimal(1000)))
            entries.append(
                Entry.simple(day, "Depreciation-ish", "6400", "1020", money(rng, 100, 300))
            )
    return entries


@dataclass
class Loaded:
    book: Json
    accounts: dict[str, Json]
    entries: list[Entry]


@pytest.fixture(scope="module")
async def loaded(api: LedgerApi, sessionmaker: async_sessionmaker[AsyncSession]) -> Loaded:
    book = await api.create_book()
    accounts = {
        code: await api.create_account(book, code=code, type=type_)
        for code, type_ in ACCOUNTS.items()
    }
    entries = generate()
    async with sessionmaker() as session:
        await bulk_post(
            session,
            book_id=book["id"],
            entries=entries,
            account_ids={code: a["id"] for code, a in accounts.items()},
            currencies=dict.fromkeys(accounts, "USD"),
        )
    return Loaded(book=book, accounts=accounts, entries=entries)


def test_data_set_is_large(loaded: Loaded) -> None:
    assert sum(len(e.lines) for e in loaded.entries) > 15000


MONTH_ENDS = [month_end(year, month) for year in (2023, 2024, 2025) for month in range(1, 13)]


@pytest.mark.parametrize("as_of", [dt.date(2023, 1, 1), *MONTH_ENDS, None], ids=str)
async def test_trial_balance(api: LedgerApi, loaded: Loaded, as_of: dt.date | None) -> None:
    report = await api.trial_balance(loaded.book, as_of=as_of)
    got = {
        row["code"]: Decimal(row["debit_total"]) - Decimal(row["credit_total"])
        for row in report["rows"]
    }
    assert got == net_debits(loaded.entries, until=as_of)
    assert all(total["balanced"] for total in report["totals"])


@pytest.mark.parametrize("year", [2023, 2024, 2025])
async def test_annual_income_statement(api: LedgerApi, loaded: Loaded, year: int) -> None:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    report = await api.income_statement(loaded.book, start, end)
    net = net_debits(loaded.entries, since=start, until=end)
    income = sum((-v for c, v in net.items() if ACCOUNTS[c] == "income"), Decimal(0))
    expenses = sum((v for c, v in net.items() if ACCOUNTS[c] == "expense"), Decimal(0))
    assert Decimal(report["total_income"]) == income
    assert Decimal(report["total_expenses"]) == expenses


@pytest.mark.parametrize("month", [3, 6, 9, 12])
async def test_balance_sheet_balances(api: LedgerApi, loaded: Loaded, month: int) -> None:
    sheet = await api.balance_sheet(loaded.book, month_end(2024, month))
    assert sheet["balanced"] is True
    assert Decimal(sheet["difference"]) == 0


async def test_busiest_account_ledger(api: LedgerApi, loaded: Loaded) -> None:
    ledger = await api.ledger(loaded.accounts["1010"])
    expected_rows = sum(1 for e in loaded.entries for line in e.lines if line.account == "1010")
    assert len(ledger["rows"]) == expected_rows
    assert Decimal(ledger["closing_balance"]) == net_debits(loaded.entries)["1010"]


async def test_ledger_window_opening_balance(api: LedgerApi, loaded: Loaded) -> None:
    start, end = dt.date(2024, 3, 1), dt.date(2024, 3, 31)
    ledger = await api.ledger(loaded.accounts["1200"], date_from=start, date_to=end)
    before = net_debits(loaded.entries, until=start - dt.timedelta(days=1)).get("1200", Decimal(0))
    assert Decimal(ledger["opening_balance"]) == before
    assert Decimal(ledger["closing_balance"]) == net_debits(loaded.entries, until=end)["1200"]


async def test_service_and_api_agree(api: LedgerApi, loaded: Loaded, session: AsyncSession) -> None:
    as_of = dt.date(2024, 2, 29)
    direct = await reports.trial_balance(session, book_id=loaded.book["id"], as_of=as_of)
    via_api = await api.trial_balance(loaded.book, as_of=as_of)
    assert direct.model_dump(mode="json") == via_api
