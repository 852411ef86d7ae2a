from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from tests.helpers import Chart, Json, LedgerApi, build_chart, cr, dr, expect

# The module-scoped data set is committed once and shared; each test's own writes roll back.
# Pinned, so a run switched to reset or fresh keeps the shared rows for these tests.
pytestmark = [pytest.mark.shared_rows, pytest.mark.dbfleet(isolation="rollback")]

# (day of 2024, debit account, credit account, amount)
ACTIVITY = [
    (dt.date(2024, 1, 2), "cash", "capital", "10000.00"),
    (dt.date(2024, 1, 5), "rent", "bank", "1200.00"),
    (dt.date(2024, 1, 9), "bank", "cash", "5000.00"),
    (dt.date(2024, 1, 20), "receivables", "sales", "3400.50"),
    (dt.date(2024, 2, 3), "bank", "receivables", "3400.50"),
    (dt.date(2024, 2, 5), "rent", "bank", "1200.00"),
    (dt.date(2024, 2, 14), "supplies", "payables", "310.99"),
    (dt.date(2024, 2, 28), "salaries", "bank", "2500.00"),
    (dt.date(2024, 3, 1), "bank", "loan", "20000.00"),
    (dt.date(2024, 3, 5), "rent", "bank", "1200.00"),
    (dt.date(2024, 3, 15), "payables", "bank", "310.99"),
    (dt.date(2024, 3, 31), "bank", "interest_income", "12.34"),
]


@pytest.fixture(scope="module")
async def q1(api: LedgerApi) -> Chart:
    """One quarter of activity, built once and only read by the tests below."""
    chart = await build_chart(api)
    for day, debit, credit, amount in ACTIVITY:
        await api.transfer(
            chart.book, getattr(chart, debit), getattr(chart, credit), amount, entry_date=day
        )
    # Noise that must not show up: a draft and a voided entry.
    await api.transfer(chart.book, chart.cash, chart.sales, "999", status="draft")
    voided = await api.transfer(chart.book, chart.cash, chart.sales, "777")
    expect(await api.client.post(f"/journal-entries/{voided['id']}/void"), 200)
    return chart


def expected_net(chart: Chart, up_to: dt.date | None = None) -> dict[str, Decimal]:
    """Net debit per account code, computed from ACTIVITY in Python."""
    net: dict[str, Decimal] = {}
    for day, debit, credit, amount in ACTIVITY:
        if up_to is not None and day > up_to:
            continue
        for name, sign in ((debit, 1), (credit, -1)):
            code = getattr(chart, name)["code"]
            net[code] = net.get(code, Decimal(0)) + sign * Decimal(amount)
    return net


def rows_by_code(report: Json) -> dict[str, Json]:
    return {row["code"]: row for row in report["rows"]}


@pytest.mark.parametrize(
    "as_of",
    [None, dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 30), dt.date(2023, 12, 31)],
)
async def test_balances_match_activity(api: LedgerApi, q1: Chart, as_of: dt.date | None) -> None:
    report = await api.trial_balance(q1.book, as_of=as_of)
    got = {
        code: Decimal(row["debit_balance"]) - Decimal(row["credit_balance"])
        for code, row in rows_by_code(report).items()
    }
    assert got == expected_net(q1, as_of)


async def test_totals_balance(api: LedgerApi, q1: Chart) -> None:
    report = await api.trial_balance(q1.book)
    (usd,) = report["totals"]
    assert usd["currency"] == "USD"
    assert usd["balanced"] is True
    assert Decimal(usd["debit_total"]) == Decimal(usd["credit_total"])
    assert Decimal(usd["debit_balance"]) == Decimal(usd["credit_balance"])
    assert Decimal(usd["debit_total"]) == sum(Decimal(a) for *_, a in ACTIVITY)


async def test_rows_sorted_by_code(api: LedgerApi, q1: Chart) -> None:
    codes = [row["code"] for row in (await api.trial_balance(q1.book))["rows"]]
    assert codes == sorted(codes)


async def test_each_row_shows_one_balance_side(api: LedgerApi, q1: Chart) -> None:
    for row in (await api.trial_balance(q1.book))["rows"]:
        assert Decimal(row["debit_balance"]) == 0 or Decimal(row["credit_balance"]) == 0


async def test_zero_balance_accounts_shown_with_activity(api: LedgerApi, q1: Chart) -> None:
    payables = rows_by_code(await api.trial_balance(q1.book))["2000"]
    assert (
        Decimal(payables["debit_total"]) == Decimal(payables["credit_total"]) == Decimal("310.99")
    )
    assert Decimal(payables["debit_balance"]) == Decimal(payables["credit_balance"]) == 0


async def test_include_zero_lists_idle_accounts(api: LedgerApi, q1: Chart) -> None:
    idle = await api.create_account(q1.book, code="9999", type="expense")
    plain = rows_by_code(await api.trial_balance(q1.book))
    full = rows_by_code(await api.trial_balance(q1.book, include_zero=True))
    assert idle["code"] not in plain
    assert Decimal(full[idle["code"]]["debit_total"]) == 0
    expect(await api.client.delete(f"/accounts/{idle['id']}"), 204)


async def test_report_metadata(api: LedgerApi, q1: Chart) -> None:
    report = await api.trial_balance(q1.book, as_of=dt.date(2024, 2, 1))
    assert report["book_id"] == q1.book["id"]
    assert report["as_of"] == "2024-02-01"


async def test_multi_currency_totals_are_per_currency(api: LedgerApi, chart: Chart) -> None:
    eur = await api.create_account(chart.book, code="1020", currency="EUR")
    eur_eq = await api.create_account(chart.book, code="3020", type="equity", currency="EUR")
    await api.transfer(chart.book, chart.cash, chart.capital, "100")
    await api.create_entry(chart.book, [dr(eur, "80"), cr(eur_eq, "80")])
    totals = {t["currency"]: t for t in (await api.trial_balance(chart.book))["totals"]}
    assert set(totals) == {"EUR", "USD"}
    assert Decimal(totals["EUR"]["debit_total"]) == 80
    assert Decimal(totals["USD"]["debit_total"]) == 100
    assert all(t["balanced"] for t in totals.values())


async def test_empty_book(api: LedgerApi, book: Json) -> None:
    report = await api.trial_balance(book)
    assert report["rows"] == []
    assert report["totals"] == []


async def test_missing_book(client: httpx.AsyncClient) -> None:
    assert (await client.get("/books/987654321/reports/trial-balance")).status_code == 404


async def test_bad_date(client: httpx.AsyncClient, book: Json) -> None:
    response = await client.get(
        f"/books/{book['id']}/reports/trial-balance", params={"as_of": "2024-13-01"}
    )
    assert response.status_code == 422
