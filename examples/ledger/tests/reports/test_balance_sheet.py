from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from tests.helpers import Chart, Json, LedgerApi, build_chart

# The module-scoped data set is committed once and shared; each test's own writes roll back.
# Pinned, so a run switched to reset or fresh keeps the shared rows for these tests.
pytestmark = [pytest.mark.shared_rows, pytest.mark.dbfleet(isolation="rollback")]

END = dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
async def company(api: LedgerApi) -> Chart:
    chart = await build_chart(api)
    t = api.transfer
    await t(chart.book, chart.bank, chart.capital, "50000", entry_date=dt.date(2024, 1, 1))
    await t(chart.book, chart.bank, chart.loan, "25000", entry_date=dt.date(2024, 1, 15))
    await t(chart.book, chart.receivables, chart.sales, "18000", entry_date=dt.date(2024, 3, 1))
    await t(chart.book, chart.bank, chart.receivables, "12000", entry_date=dt.date(2024, 4, 1))
    await t(chart.book, chart.rent, chart.bank, "6000", entry_date=dt.date(2024, 6, 30))
    await t(chart.book, chart.salaries, chart.payables, "9000", entry_date=dt.date(2024, 9, 30))
    await t(chart.book, chart.loan, chart.bank, "5000", entry_date=dt.date(2024, 12, 1))
    await t(chart.book, chart.cash, chart.interest_income, "150", entry_date=dt.date(2024, 12, 31))
    return chart


def amounts(section: list[Json]) -> dict[str, Decimal]:
    return {line["code"]: Decimal(line["converted"]) for line in section}


async def test_sections(api: LedgerApi, company: Chart) -> None:
    sheet = await api.balance_sheet(company.book, END)
    assert amounts(sheet["assets"]) == {
        "1000": Decimal(150),
        "1010": Decimal(76000),
        "1200": Decimal(6000),
    }
    assert amounts(sheet["liabilities"]) == {"2000": Decimal(9000), "2500": Decimal(20000)}
    assert amounts(sheet["equity"]) == {"3000": Decimal(50000)}


async def test_retained_earnings_is_net_income(api: LedgerApi, company: Chart) -> None:
    sheet = await api.balance_sheet(company.book, END)
    assert Decimal(sheet["retained_earnings"]) == Decimal(18150 - 6000 - 9000)


async def test_accounting_equation(api: LedgerApi, company: Chart) -> None:
    sheet = await api.balance_sheet(company.book, END)
    assert Decimal(sheet["total_assets"]) == Decimal(82150)
    assert Decimal(sheet["total_liabilities"]) == Decimal(29000)
    assert Decimal(sheet["total_equity"]) == Decimal(53150)
    assert sheet["balanced"] is True
    assert Decimal(sheet["difference"]) == 0


@pytest.mark.parametrize(
    ("as_of", "total_assets"),
    [
        (dt.date(2023, 12, 31), Decimal(0)),
        (dt.date(2024, 1, 1), Decimal(50000)),
        (dt.date(2024, 3, 1), Decimal(93000)),
        (dt.date(2024, 6, 30), Decimal(87000)),
        (dt.date(2024, 12, 1), Decimal(82000)),
    ],
)
async def test_as_of_dates(
    api: LedgerApi, company: Chart, as_of: dt.date, total_assets: Decimal
) -> None:
    sheet = await api.balance_sheet(company.book, as_of)
    assert Decimal(sheet["total_assets"]) == total_assets
    assert sheet["balanced"] is True


async def test_reported_in_base_currency(api: LedgerApi, company: Chart) -> None:
    sheet = await api.balance_sheet(company.book, END)
    assert sheet["currency"] == "USD"
    assert all(line["currency"] == "USD" for line in sheet["assets"])


async def test_foreign_accounts_are_translated_at_closing_rate(
    api: LedgerApi, scratch_currency: str
) -> None:
    book = await api.create_book()
    fx_cash = await api.create_account(book, code="1100", currency=scratch_currency)
    fx_equity = await api.create_account(
        book, code="3100", type="equity", currency=scratch_currency
    )
    await api.set_rate(scratch_currency, "USD", dt.date(2024, 1, 1), "2")
    await api.set_rate(scratch_currency, "USD", dt.date(2024, 6, 1), "3")
    await api.transfer(book, fx_cash, fx_equity, "100", entry_date=dt.date(2024, 2, 1))
    early = await api.balance_sheet(book, dt.date(2024, 5, 31))
    late = await api.balance_sheet(book, dt.date(2024, 6, 30))
    assert (Decimal(early["total_assets"]), Decimal(late["total_assets"])) == (200, 300)
    (line,) = late["assets"]
    assert (Decimal(line["amount"]), line["currency"]) == (Decimal(100), scratch_currency)
    assert late["balanced"] is True


async def test_missing_rate_is_reported(api: LedgerApi, scratch_currency: str) -> None:
    book = await api.create_book()
    fx_cash = await api.create_account(book, currency=scratch_currency)
    fx_equity = await api.create_account(book, type="equity", currency=scratch_currency)
    await api.transfer(book, fx_cash, fx_equity, "100")
    response = await api.client.get(
        f"/books/{book['id']}/reports/balance-sheet", params={"as_of": "2024-12-31"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "rate_not_found"


async def test_as_of_is_required(client: httpx.AsyncClient, company: Chart) -> None:
    response = await client.get(f"/books/{company.book['id']}/reports/balance-sheet")
    assert response.status_code == 422


async def test_empty_book(api: LedgerApi, book: Json) -> None:
    sheet = await api.balance_sheet(book, END)
    assert sheet["assets"] == sheet["liabilities"] == sheet["equity"] == []
    assert Decimal(sheet["total_assets"]) == 0
    assert sheet["balanced"] is True


async def test_zero_decimal_base_currency(api: LedgerApi) -> None:
    book = await api.create_book(base_currency="JPY")
    cash = await api.create_account(book, code="1000")
    equity = await api.create_account(book, code="3000", type="equity")
    await api.transfer(book, cash, equity, "123456")
    sheet = await api.balance_sheet(book, END)
    assert sheet["total_assets"] == "123456"
