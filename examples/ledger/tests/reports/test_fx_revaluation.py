from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.helpers import Json, LedgerApi

JAN = dt.date(2024, 1, 1)
FEB = dt.date(2024, 2, 1)
MAR = dt.date(2024, 3, 1)


@dataclass
class FxBook:
    book: Json
    code: str
    fx_bank: Json
    fx_loan: Json
    fx_equity: Json
    usd_cash: Json
    usd_equity: Json


@pytest.fixture
async def fxbook(api: LedgerApi, scratch_currency: str) -> FxBook:
    """A USD book holding a foreign bank account and a foreign loan in a fresh currency."""
    code = scratch_currency
    await api.set_rate(code, "USD", JAN, "1.10")
    await api.set_rate(code, "USD", FEB, "1.20")
    await api.set_rate(code, "USD", MAR, "1.05")
    book = await api.create_book()
    return FxBook(
        book=book,
        code=code,
        fx_bank=await api.create_account(book, code="1100", currency=code, name="FX bank"),
        fx_loan=await api.create_account(book, code="2100", type="liability", currency=code),
        fx_equity=await api.create_account(book, code="3100", type="equity", currency=code),
        usd_cash=await api.create_account(book, code="1000"),
        usd_equity=await api.create_account(book, code="3000", type="equity"),
    )


def row(report: Json, account: Json) -> Json:
    return next(r for r in report["rows"] if r["account_id"] == account["id"])


async def test_asset_gain_when_currency_strengthens(api: LedgerApi, fxbook: FxBook) -> None:
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "1000", entry_date=JAN)
    report = await api.revaluation(fxbook.book, FEB)
    bank = row(report, fxbook.fx_bank)
    assert Decimal(bank["balance"]) == 1000
    assert Decimal(bank["historical_value"]) == Decimal("1100.00")
    assert Decimal(bank["revalued_value"]) == Decimal("1200.00")
    assert Decimal(bank["rate"]) == Decimal("1.2")
    assert Decimal(bank["unrealized_gain"]) == Decimal("100.00")


async def test_asset_loss_when_currency_weakens(api: LedgerApi, fxbook: FxBook) -> None:
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "1000", entry_date=FEB)
    report = await api.revaluation(fxbook.book, MAR)
    assert Decimal(row(report, fxbook.fx_bank)["unrealized_gain"]) == Decimal("-150.00")


async def test_liability_gain_when_currency_weakens(api: LedgerApi, fxbook: FxBook) -> None:
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_loan, "2000", entry_date=FEB)
    report = await api.revaluation(fxbook.book, MAR)
    assert Decimal(row(report, fxbook.fx_loan)["unrealized_gain"]) == Decimal("300.00")
    assert Decimal(row(report, fxbook.fx_bank)["unrealized_gain"]) == Decimal("-300.00")
    assert Decimal(report["total_unrealized_gain"]) == 0


async def test_historical_value_uses_each_entry_date(api: LedgerApi, fxbook: FxBook) -> None:
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "100", entry_date=JAN)
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "100", entry_date=FEB)
    await api.transfer(fxbook.book, fxbook.fx_equity, fxbook.fx_bank, "50", entry_date=MAR)
    bank = row(await api.revaluation(fxbook.book, MAR), fxbook.fx_bank)
    assert Decimal(bank["historical_value"]) == Decimal("177.50")  # 110 + 120 - 52.50
    assert Decimal(bank["revalued_value"]) == Decimal("157.50")
    assert Decimal(bank["unrealized_gain"]) == Decimal("-20.00")


async def test_base_currency_and_equity_accounts_are_excluded(
    api: LedgerApi, fxbook: FxBook
) -> None:
    await api.transfer(fxbook.book, fxbook.usd_cash, fxbook.usd_equity, "500", entry_date=JAN)
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "10", entry_date=JAN)
    report = await api.revaluation(fxbook.book, MAR)
    assert [r["account_id"] for r in report["rows"]] == [fxbook.fx_bank["id"]]


async def test_entries_after_as_of_are_ignored(api: LedgerApi, fxbook: FxBook) -> None:
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "10", entry_date=JAN)
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "99", entry_date=MAR)
    bank = row(await api.revaluation(fxbook.book, FEB), fxbook.fx_bank)
    assert Decimal(bank["balance"]) == 10


async def test_no_foreign_accounts(api: LedgerApi, book: Json) -> None:
    report = await api.revaluation(book, MAR)
    assert report == {
        "book_id": book["id"],
        "as_of": "2024-03-01",
        "base_currency": "USD",
        "rows": [],
        "total_unrealized_gain": "0",
    }


async def test_rate_missing_at_entry_date(api: LedgerApi, fxbook: FxBook) -> None:
    await api.transfer(
        fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "10", entry_date=dt.date(2023, 6, 1)
    )
    response = await api.client.get(
        f"/books/{fxbook.book['id']}/reports/fx-revaluation", params={"as_of": "2024-03-01"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "rate_not_found"


@pytest.mark.parametrize(
    ("as_of", "gain"),
    [(JAN, "0.00"), (dt.date(2024, 1, 31), "0.00"), (FEB, "100.00"), (MAR, "-50.00")],
)
async def test_gain_over_time(api: LedgerApi, fxbook: FxBook, as_of: dt.date, gain: str) -> None:
    await api.transfer(fxbook.book, fxbook.fx_bank, fxbook.fx_equity, "1000", entry_date=JAN)
    report = await api.revaluation(fxbook.book, as_of)
    assert Decimal(report["total_unrealized_gain"]) == Decimal(gain)
