from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from tests.helpers import Chart, LedgerApi, cr, dr, uid


async def test_running_balance(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(
        chart.book, chart.bank, chart.capital, "1000", entry_date=dt.date(2024, 1, 1)
    )
    await api.transfer(chart.book, chart.rent, chart.bank, "300", entry_date=dt.date(2024, 1, 5))
    await api.transfer(
        chart.book, chart.bank, chart.sales, "125.50", entry_date=dt.date(2024, 1, 7)
    )
    ledger = await api.ledger(chart.bank)
    assert [Decimal(r["balance"]) for r in ledger["rows"]] == [
        Decimal(1000),
        Decimal(700),
        Decimal("825.50"),
    ]
    assert Decimal(ledger["opening_balance"]) == 0
    assert Decimal(ledger["closing_balance"]) == Decimal("825.50")
    assert Decimal(ledger["total_debit"]) == Decimal("1125.50")
    assert Decimal(ledger["total_credit"]) == Decimal(300)


async def test_credit_normal_account_runs_positive(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(
        chart.book, chart.receivables, chart.sales, "10", entry_date=dt.date(2024, 1, 1)
    )
    await api.transfer(
        chart.book, chart.receivables, chart.sales, "15", entry_date=dt.date(2024, 1, 2)
    )
    ledger = await api.ledger(chart.sales)
    assert [Decimal(r["balance"]) for r in ledger["rows"]] == [10, 25]


async def test_opening_balance_from_earlier_activity(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(
        chart.book, chart.bank, chart.capital, "500", entry_date=dt.date(2023, 12, 30)
    )
    await api.transfer(chart.book, chart.bank, chart.capital, "20", entry_date=dt.date(2024, 1, 3))
    await api.transfer(chart.book, chart.bank, chart.capital, "30", entry_date=dt.date(2024, 2, 3))
    ledger = await api.ledger(
        chart.bank, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 1, 31)
    )
    assert Decimal(ledger["opening_balance"]) == 500
    assert [Decimal(r["balance"]) for r in ledger["rows"]] == [520]
    assert Decimal(ledger["closing_balance"]) == 520
    assert ledger["date_from"] == "2024-01-01"
    assert ledger["date_to"] == "2024-01-31"


async def test_same_day_rows_in_entry_order(api: LedgerApi, chart: Chart) -> None:
    day = dt.date(2024, 4, 4)
    first = await api.transfer(chart.book, chart.bank, chart.capital, "1", entry_date=day)
    second = await api.transfer(chart.book, chart.rent, chart.bank, "2", entry_date=day)
    ledger = await api.ledger(chart.bank)
    assert [r["entry_id"] for r in ledger["rows"]] == [first["id"], second["id"]]


async def test_entry_touching_account_twice(api: LedgerApi, chart: Chart) -> None:
    await api.create_entry(
        chart.book,
        [dr(chart.bank, "50", memo="a"), dr(chart.bank, "25", memo="b"), cr(chart.capital, "75")],
    )
    ledger = await api.ledger(chart.bank)
    assert [(r["memo"], Decimal(r["balance"])) for r in ledger["rows"]] == [("a", 50), ("b", 75)]


async def test_rows_carry_entry_details(api: LedgerApi, chart: Chart) -> None:
    reference = f"INV-{uid()}"
    entry = await api.transfer(
        chart.book,
        chart.receivables,
        chart.sales,
        "42",
        description="Invoice 42",
        reference=reference,
    )
    (row,) = (await api.ledger(chart.receivables))["rows"]
    assert row["entry_id"] == entry["id"]
    assert row["description"] == "Invoice 42"
    assert row["reference"] == reference
    assert row["entry_date"] == "2024-01-15"


async def test_excludes_drafts_and_voids(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.bank, chart.capital, "1")
    await api.transfer(chart.book, chart.bank, chart.capital, "2", status="draft")
    voided = await api.transfer(chart.book, chart.bank, chart.capital, "3")
    await api.client.post(f"/journal-entries/{voided['id']}/void")
    rows = (await api.ledger(chart.bank))["rows"]
    assert [Decimal(r["debit"]) for r in rows] == [1]


async def test_empty_ledger(api: LedgerApi, chart: Chart) -> None:
    ledger = await api.ledger(chart.supplies)
    assert ledger["rows"] == []
    assert Decimal(ledger["closing_balance"]) == 0
    assert ledger["code"] == "6300"
    assert ledger["currency"] == "USD"


async def test_bad_range(client: httpx.AsyncClient, chart: Chart) -> None:
    response = await client.get(
        f"/accounts/{chart.bank['id']}/ledger",
        params={"date_from": "2024-02-01", "date_to": "2024-01-01"},
    )
    assert response.status_code == 422


async def test_missing_account(client: httpx.AsyncClient) -> None:
    assert (await client.get("/accounts/987654321/ledger")).status_code == 404


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        (None, None, [10, 30, 60]),
        (dt.date(2024, 2, 1), None, [30, 60]),
        (None, dt.date(2024, 2, 1), [10, 30]),
        (dt.date(2024, 2, 2), dt.date(2024, 2, 28), []),
    ],
)
async def test_date_filters(
    api: LedgerApi,
    chart: Chart,
    date_from: dt.date | None,
    date_to: dt.date | None,
    expected: list[int],
) -> None:
    for month, amount in ((1, "10"), (2, "20"), (3, "30")):
        await api.transfer(
            chart.book, chart.bank, chart.capital, amount, entry_date=dt.date(2024, month, 1)
        )
    ledger = await api.ledger(chart.bank, date_from=date_from, date_to=date_to)
    assert [Decimal(r["balance"]) for r in ledger["rows"]] == expected
