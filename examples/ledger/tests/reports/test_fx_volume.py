"""FX revaluation and translation over a year of daily rates and bulk-loaded lines."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger.models import FxRate
from tests.bulk import Entry, bulk_post, money, month_end
from tests.helpers import Json, LedgerApi

# The module-scoped data set is committed once and shared; each test's own writes roll back.
# Pinned, so a run switched to reset or fresh keeps the shared rows for these tests.
pytestmark = [pytest.mark.slow, pytest.mark.shared_rows, pytest.mark.dbfleet(isolation="rollback")]

START = dt.date(2024, 1, 1)
DAYS = 366


@dataclass
class FxYear:
    book: Json
    codes: tuple[str, str]
    accounts: dict[str, Json]
    kinds: dict[str, str]
    currency_of: dict[str, str]
    rates: dict[tuple[str, dt.date], Decimal]
    entries: list[Entry]


def daily_rates(
    rng: random.Random, code: str, start_rate: Decimal
) -> dict[tuple[str, dt.date], Decimal]:
    rates = {}
    rate = start_rate
    for offset in range(DAYS):
        rate = (rate * (Decimal(1) + Decimal(rng.randint(-80, 80)) / Decimal(10000))).quantize(
            Decimal("0.000001")
        )
        rates[(code, START + dt.timedelta(days=offset))] = rate
    return rates


@pytest.fixture(scope="module")
async def fx_year(api: LedgerApi, sessionmaker: async_sessionmaker[AsyncSession]) -> FxYear:
    rng = random.Random(99)
    codes = ((await api.create_currency())["code"], (await api.create_currency())["code"])
    rates = daily_rates(rng, codes[0], Decimal("1.1")) | daily_rates(
        rng, codes[1], Decimal("0.0095")
    )
    book = await api.create_book()
    accounts: dict[str, Json] = {}
    kinds: dict[str, str] = {}
    currency_of: dict[str, str] = {}
    for n, code in enumerate(codes):
        for suffix, kind in (("1", "asset"), ("2", "liability"), ("3", "equity")):
            key = f"{n}{suffix}"
            accounts[key] = await api.create_account(
                book, code=f"FX{key}", type=kind, currency=code
            )
            kinds[key] = kind
            currency_of[key] = code
    entries = []
    for offset in range(DAYS):
        day = START + dt.timedelta(days=offset)
        for n in range(2):
            for _ in range(rng.randint(1, 3)):
                amount = money(rng, 50, 5000)
                if rng.random() < 0.6:
                    entries.append(Entry.simple(day, "receipt", f"{n}1", f"{n}3", amount))
                else:
                    entries.append(Entry.simple(day, "borrow", f"{n}1", f"{n}2", amount))
    async with sessionmaker() as session:
        await session.execute(
            insert(FxRate),
            [
                {
                    "base_currency": code,
                    "quote_currency": "USD",
                    "as_of": day,
                    "rate": rate,
                    "source": "test",
                }
                for (code, day), rate in rates.items()
            ],
        )
        await bulk_post(
            session,
            book_id=book["id"],
            entries=entries,
            account_ids={k: a["id"] for k, a in accounts.items()},
            currencies=currency_of,
        )
    return FxYear(book, codes, accounts, kinds, currency_of, rates, entries)


def expected_gain(data: FxYear, key: str, as_of: dt.date) -> Decimal:
    code = data.currency_of[key]
    debit_normal = data.kinds[key] == "asset"
    balance = Decimal(0)
    historical = Decimal(0)
    for entry in data.entries:
        if entry.day > as_of:
            continue
        for line in entry.lines:
            if line.account != key:
                continue
            amount = line.debit - line.credit if debit_normal else line.credit - line.debit
            balance += amount
            historical += amount * data.rates[(code, entry.day)]
    change = balance * data.rates[(code, as_of)] - historical
    gain = change if debit_normal else -change
    return gain.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


MONTHS = [1, 3, 5, 7, 9, 11, 12]


@pytest.mark.parametrize("month", MONTHS)
async def test_revaluation_per_account(api: LedgerApi, fx_year: FxYear, month: int) -> None:
    as_of = month_end(2024, month)
    report = await api.revaluation(fx_year.book, as_of)
    by_code = {row["code"]: Decimal(row["unrealized_gain"]) for row in report["rows"]}
    expected = {
        f"FX{key}": expected_gain(fx_year, key, as_of)
        for key in fx_year.accounts
        if fx_year.kinds[key] != "equity"
    }
    assert by_code == expected
    assert Decimal(report["total_unrealized_gain"]) == sum(expected.values())


@pytest.mark.parametrize("month", [2, 6, 10])
async def test_balance_sheet_translation(api: LedgerApi, fx_year: FxYear, month: int) -> None:
    as_of = month_end(2024, month)
    sheet = await api.balance_sheet(fx_year.book, as_of)
    assert sheet["balanced"] is True
    for line in sheet["assets"]:
        rate = fx_year.rates[(line["currency"], as_of)]
        assert Decimal(line["converted"]) == (Decimal(line["amount"]) * rate).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


async def test_rate_lookup_on_weekend_style_gap(api: LedgerApi, fx_year: FxYear) -> None:
    code = fx_year.codes[0]
    day = dt.date(2024, 7, 4)
    body = (
        await api.client.get(
            "/fx-rates/rate", params={"base": code, "quote": "USD", "on": day.isoformat()}
        )
    ).json()
    assert Decimal(body["rate"]) == fx_year.rates[(code, day)]
    future = (
        await api.client.get(
            "/fx-rates/rate", params={"base": code, "quote": "USD", "on": "2030-01-01"}
        )
    ).json()
    assert Decimal(future["rate"]) == fx_year.rates[(code, START + dt.timedelta(days=DAYS - 1))]
