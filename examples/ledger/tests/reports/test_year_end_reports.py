"""A year of realistic activity posted through the API, then every report checked
against figures computed independently in Python.  Slow on purpose: the module
fixture posts a few hundred entries one request at a time."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.bulk import Entry, Line, money, month_end, net_debits
from tests.helpers import Json, LedgerApi, expect

# The module-scoped data set is committed once and shared; each test's own writes roll back.
# Pinned, so a run switched to reset or fresh keeps the shared rows for these tests.
pytestmark = [pytest.mark.slow, pytest.mark.shared_rows, pytest.mark.dbfleet(isolation="rollback")]

YEAR = 2024

# code: (name, type, parent code)
CHART: dict[str, tuple[str, str, str | None]] = {
    "1000": ("Assets", "asset", None),
    "1100": ("Cash and banks", "asset", "1000"),
    "1110": ("Checking", "asset", "1100"),
    "1120": ("Savings", "asset", "1100"),
    "1130": ("Petty cash", "asset", "1100"),
    "1200": ("Receivables", "asset", "1000"),
    "1500": ("Equipment", "asset", "1000"),
    "2000": ("Liabilities", "liability", None),
    "2100": ("Payables", "liability", "2000"),
    "2200": ("Accrued payroll", "liability", "2000"),
    "2500": ("Bank loan", "liability", "2000"),
    "3000": ("Equity", "equity", None),
    "3100": ("Share capital", "equity", "3000"),
    "4000": ("Revenue", "income", None),
    "4100": ("Product sales", "income", "4000"),
    "4200": ("Services", "income", "4000"),
    "4900": ("Interest income", "income", "4000"),
    "6000": ("Expenses", "expense", None),
    "6100": ("Rent", "expense", "6000"),
    "6200": ("Salaries", "expense", "6000"),
    "6300": ("Utilities", "expense", "6000"),
    "6400": ("Travel", "expense", "6000"),
    "6500": ("Software", "expense", "6000"),
    "6600": ("Bank fees", "expense", "6000"),
    "6700": ("Interest expense", "expense", "6000"),
}
LEAVES = sorted(code for code in CHART if code not in {p for *_, p in CHART.values() if p})
TYPES = {code: type_ for code, (_, type_, _) in CHART.items()}


def generate_year(seed: int = 2024) -> list[Entry]:
    rng = random.Random(seed)
    entries = [
        Entry.simple(dt.date(YEAR, 1, 2), "Share capital paid in", "1110", "3100", Decimal(150000))
    ]
    entries.append(
        Entry.simple(dt.date(YEAR, 1, 3), "Float for petty cash", "1130", "1110", Decimal(500))
    )
    entries.append(
        Entry.simple(dt.date(YEAR, 1, 15), "Laptops", "1500", "2100", Decimal("18450.00"))
    )
    entries.append(
        Entry.simple(
            dt.date(YEAR, 2, 14), "Pay laptop invoice", "2100", "1110", Decimal("18450.00")
        )
    )
    entries.append(
        Entry.simple(dt.date(YEAR, 3, 1), "Loan drawdown", "1110", "2500", Decimal(60000))
    )
    for month in range(1, 13):
        first, last = dt.date(YEAR, month, 1), month_end(YEAR, month)
        entries.append(Entry.simple(first, "Office rent", "6100", "1110", Decimal(4200)))
        entries.append(Entry.simple(last, "Payroll accrual", "6200", "2200", Decimal("23500.00")))
        entries.append(Entry.simple(last, "Payroll payment", "2200", "1110", Decimal("23500.00")))
        entries.append(
            Entry.simple(
                dt.date(YEAR, month, 5), "Electricity", "6300", "1110", money(rng, 300, 900)
            )
        )
        entries.append(
            Entry.simple(
                dt.date(YEAR, month, 7), "SaaS subscriptions", "6500", "1110", money(rng, 400, 1200)
            )
        )
        entries.append(Entry.simple(last, "Bank charges", "6600", "1110", money(rng, 10, 60)))
        entries.append(
            Entry.simple(dt.date(YEAR, month, 25), "Move to savings", "1120", "1110", Decimal(3000))
        )
        entries.append(Entry.simple(last, "Savings interest", "1120", "4900", money(rng, 5, 40)))
        if month >= 3:
            interest = money(rng, 150, 260)
            entries.append(
                Entry(
                    dt.date(YEAR, month, 28),
                    "Loan instalment",
                    [
                        Line("2500", debit=Decimal(1000)),
                        Line("6700", debit=interest),
                        Line("1110", credit=Decimal(1000) + interest),
                    ],
                )
            )
        for _ in range(rng.randint(1, 3)):
            day = dt.date(YEAR, month, rng.randint(1, 28))
            entries.append(Entry.simple(day, "Taxi and trains", "6400", "1130", money(rng, 5, 60)))
        if month % 3 == 0:
            entries.append(Entry.simple(last, "Top up petty cash", "1130", "1110", Decimal(300)))
    day = dt.date(YEAR, 1, 4)
    n = 0
    while day.year == YEAR:
        n += 1
        amount = money(rng, 400, 6000)
        income = "4100" if n % 3 else "4200"
        entries.append(Entry.simple(day, f"Invoice {n:04d}", "1200", income, amount))
        paid = day + dt.timedelta(days=rng.randint(10, 45))
        if paid.year == YEAR:
            entries.append(
                Entry.simple(paid, f"Payment for invoice {n:04d}", "1110", "1200", amount)
            )
        day += dt.timedelta(days=rng.randint(1, 4))
    entries.sort(key=lambda e: e.day)
    return entries


@dataclass
class YearBook:
    book: Json
    accounts: dict[str, Json]
    entries: list[Entry]


@pytest.fixture(scope="module")
async def year(api: LedgerApi) -> YearBook:
    book = await api.create_book()
    accounts: dict[str, Json] = {}
    for code, (name, type_, parent) in CHART.items():
        accounts[code] = await api.create_account(
            book, code=code, name=name, type=type_, parent=accounts[parent] if parent else None
        )
    entries = generate_year()
    for entry in entries:
        lines = [
            {
                "account_id": accounts[line.account]["id"],
                "debit": str(line.debit),
                "credit": str(line.credit),
            }
            for line in entry.lines
        ]
        await api.create_entry(book, lines, entry_date=entry.day, description=entry.description)
    return YearBook(book=book, accounts=accounts, entries=entries)


def natural(code: str, net_debit: Decimal) -> Decimal:
    return net_debit if TYPES[code] in {"asset", "expense"} else -net_debit


MONTHS = list(range(1, 13))


@pytest.mark.parametrize("month", MONTHS)
async def test_month_end_trial_balance(api: LedgerApi, year: YearBook, month: int) -> None:
    as_of = month_end(YEAR, month)
    report = await api.trial_balance(year.book, as_of=as_of)
    got = {
        row["code"]: Decimal(row["debit_balance"]) - Decimal(row["credit_balance"])
        for row in report["rows"]
    }
    assert got == net_debits(year.entries, until=as_of)
    assert report["totals"][0]["balanced"] is True


@pytest.mark.parametrize("month", MONTHS)
async def test_month_end_balance_sheet(api: LedgerApi, year: YearBook, month: int) -> None:
    as_of = month_end(YEAR, month)
    sheet = await api.balance_sheet(year.book, as_of)
    net = net_debits(year.entries, until=as_of)
    assets = sum((v for c, v in net.items() if TYPES[c] == "asset"), Decimal(0))
    liabilities = sum((-v for c, v in net.items() if TYPES[c] == "liability"), Decimal(0))
    earnings = sum((-v for c, v in net.items() if TYPES[c] in {"income", "expense"}), Decimal(0))
    assert Decimal(sheet["total_assets"]) == assets
    assert Decimal(sheet["total_liabilities"]) == liabilities
    assert Decimal(sheet["retained_earnings"]) == earnings
    assert sheet["balanced"] is True


@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
async def test_quarterly_income_statement(api: LedgerApi, year: YearBook, quarter: int) -> None:
    start = dt.date(YEAR, quarter * 3 - 2, 1)
    end = month_end(YEAR, quarter * 3)
    report = await api.income_statement(year.book, start, end)
    net = net_debits(year.entries, since=start, until=end)
    income = {c: -v for c, v in net.items() if TYPES[c] == "income"}
    expenses = {c: v for c, v in net.items() if TYPES[c] == "expense"}
    assert {line["code"]: Decimal(line["converted"]) for line in report["income"]} == income
    assert {line["code"]: Decimal(line["converted"]) for line in report["expenses"]} == expenses
    assert Decimal(report["net_income"]) == sum(income.values()) - sum(expenses.values())


async def test_quarters_add_up_to_the_year(api: LedgerApi, year: YearBook) -> None:
    total = Decimal(0)
    for quarter in range(1, 5):
        report = await api.income_statement(
            year.book, dt.date(YEAR, quarter * 3 - 2, 1), month_end(YEAR, quarter * 3)
        )
        total += Decimal(report["net_income"])
    full = await api.income_statement(year.book, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
    assert Decimal(full["net_income"]) == total
    sheet = await api.balance_sheet(year.book, dt.date(YEAR, 12, 31))
    assert Decimal(sheet["retained_earnings"]) == total


@pytest.mark.parametrize("code", LEAVES)
async def test_ledger_closing_balance_matches(api: LedgerApi, year: YearBook, code: str) -> None:
    ledger = await api.ledger(year.accounts[code])
    expected = natural(code, net_debits(year.entries).get(code, Decimal(0)))
    assert Decimal(ledger["closing_balance"]) == expected
    lines = sum(1 for e in year.entries for line in e.lines if line.account == code)
    assert len(ledger["rows"]) == lines


async def test_ledger_running_balance_is_monotonic_in_date(api: LedgerApi, year: YearBook) -> None:
    rows = (await api.ledger(year.accounts["1110"]))["rows"]
    dates = [row["entry_date"] for row in rows]
    assert dates == sorted(dates)
    running = Decimal(0)
    for row in rows:
        running += Decimal(row["debit"]) - Decimal(row["credit"])
        assert Decimal(row["balance"]) == running


async def test_tree_rollup_matches_leaf_sums(api: LedgerApi, year: YearBook) -> None:
    tree = expect(await api.client.get(f"/books/{year.book['id']}/accounts/tree"), 200)
    net = net_debits(year.entries)

    def expected_total(code: str) -> Decimal:
        own = natural(code, net.get(code, Decimal(0)))
        return own + sum(
            (expected_total(c) for c, (_, _, p) in CHART.items() if p == code), Decimal(0)
        )

    def walk(nodes: list[Json]) -> int:
        seen = 0
        for node in nodes:
            assert Decimal(node["total_balance"]) == expected_total(node["code"]), node["code"]
            seen += 1 + walk(node["children"])
        return seen

    assert walk(tree) == len(CHART)


async def test_all_entries_listed_across_pages(api: LedgerApi, year: YearBook) -> None:
    seen = 0
    offset = 0
    while True:
        page = expect(
            await api.client.get(
                f"/books/{year.book['id']}/journal-entries", params={"limit": 200, "offset": offset}
            ),
            200,
        )
        seen += len(page)
        offset += 200
        if len(page) < 200:
            break
    assert seen == len(year.entries)
