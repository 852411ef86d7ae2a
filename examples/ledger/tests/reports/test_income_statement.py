from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from tests.helpers import Chart, Json, LedgerApi, build_chart

# The module-scoped data set is committed once and shared; each test's own writes roll back.
# Pinned, so a run switched to reset or fresh keeps the shared rows for these tests.
pytestmark = [pytest.mark.shared_rows, pytest.mark.dbfleet(isolation="rollback")]

MONTHLY_SALES = {1: "1000", 2: "1500", 3: "1250", 4: "900", 5: "2000", 6: "1750"}
MONTHLY_RENT = "800"


@pytest.fixture(scope="module")
async def half_year(api: LedgerApi) -> Chart:
    chart = await build_chart(api)
    for month, amount in MONTHLY_SALES.items():
        await api.transfer(
            chart.book, chart.receivables, chart.sales, amount, entry_date=dt.date(2024, month, 10)
        )
        await api.transfer(
            chart.book, chart.rent, chart.bank, MONTHLY_RENT, entry_date=dt.date(2024, month, 1)
        )
    await api.transfer(
        chart.book, chart.bank, chart.interest_income, "3.21", entry_date=dt.date(2024, 6, 30)
    )
    # Balance-sheet-only movement must not appear.
    await api.transfer(
        chart.book, chart.bank, chart.capital, "10000", entry_date=dt.date(2024, 1, 1)
    )
    return chart


def by_code(lines: list[Json]) -> dict[str, Decimal]:
    return {line["code"]: Decimal(line["converted"]) for line in lines}


@pytest.mark.parametrize("month", sorted(MONTHLY_SALES))
async def test_single_month(api: LedgerApi, half_year: Chart, month: int) -> None:
    start = dt.date(2024, month, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    report = await api.income_statement(half_year.book, start, end)
    interest = Decimal("3.21") if month == 6 else Decimal(0)
    assert Decimal(report["total_income"]) == Decimal(MONTHLY_SALES[month]) + interest
    assert Decimal(report["total_expenses"]) == Decimal(MONTHLY_RENT)
    assert Decimal(report["net_income"]) == Decimal(MONTHLY_SALES[month]) + interest - Decimal(
        MONTHLY_RENT
    )


async def test_half_year(api: LedgerApi, half_year: Chart) -> None:
    report = await api.income_statement(half_year.book, dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert by_code(report["income"]) == {"4000": Decimal(8400), "4100": Decimal("3.21")}
    assert by_code(report["expenses"]) == {"6100": Decimal(4800)}
    assert Decimal(report["net_income"]) == Decimal("3603.21")
    assert report["currency"] == "USD"


async def test_equity_and_assets_are_excluded(api: LedgerApi, half_year: Chart) -> None:
    report = await api.income_statement(half_year.book, dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    codes = set(by_code(report["income"])) | set(by_code(report["expenses"]))
    assert codes <= {"4000", "4100", "6100", "6200", "6300"}


async def test_period_without_activity(api: LedgerApi, half_year: Chart) -> None:
    report = await api.income_statement(half_year.book, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert report["income"] == report["expenses"] == []
    assert Decimal(report["net_income"]) == 0


async def test_net_loss(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.salaries, chart.bank, "500")
    await api.transfer(chart.book, chart.bank, chart.sales, "120")
    report = await api.income_statement(chart.book, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert Decimal(report["net_income"]) == -380


async def test_refund_reduces_income(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.bank, chart.sales, "120")
    await api.transfer(chart.book, chart.sales, chart.bank, "20")
    report = await api.income_statement(chart.book, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert by_code(report["income"]) == {"4000": Decimal(100)}


async def test_reversed_entries_cancel_out(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.rent, chart.bank, "800")
    await api.client.post(f"/journal-entries/{entry['id']}/reverse")
    report = await api.income_statement(chart.book, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert by_code(report["expenses"]) == {"6100": Decimal(0)}


async def test_dates_must_be_ordered(client: httpx.AsyncClient, half_year: Chart) -> None:
    response = await client.get(
        f"/books/{half_year.book['id']}/reports/income-statement",
        params={"date_from": "2024-06-30", "date_to": "2024-01-01"},
    )
    assert response.status_code == 422


@pytest.mark.parametrize("missing", ["date_from", "date_to"])
async def test_dates_are_required(
    client: httpx.AsyncClient, half_year: Chart, missing: str
) -> None:
    params = {"date_from": "2024-01-01", "date_to": "2024-06-30"}
    del params[missing]
    response = await client.get(
        f"/books/{half_year.book['id']}/reports/income-statement", params=params
    )
    assert response.status_code == 422
