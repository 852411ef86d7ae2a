from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx

from tests.helpers import Chart, LedgerApi, cr, dr, expect, uid


async def test_create_posted_entry(api: LedgerApi, chart: Chart) -> None:
    entry = await api.create_entry(
        chart.book,
        [dr(chart.cash, "1500.00"), cr(chart.capital, "1500.00")],
        entry_date=dt.date(2024, 1, 2),
        description="Initial capital",
    )
    assert entry["status"] == "posted"
    assert entry["posted_at"] is not None
    assert entry["entry_date"] == "2024-01-02"
    assert entry["description"] == "Initial capital"
    assert entry["book_id"] == chart.book["id"]
    assert entry["reversal_of_id"] is None
    debit, credit = entry["lines"]
    assert (debit["line_no"], debit["account_id"], Decimal(debit["debit"])) == (
        1,
        chart.cash["id"],
        Decimal(1500),
    )
    assert (credit["line_no"], credit["account_id"], Decimal(credit["credit"])) == (
        2,
        chart.capital["id"],
        Decimal(1500),
    )
    assert Decimal(debit["credit"]) == 0
    assert debit["currency"] == "USD"


async def test_create_draft_entry(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.cash, chart.capital, "10", status="draft")
    assert entry["status"] == "draft"
    assert entry["posted_at"] is None


async def test_fetch_entry(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.cash, chart.capital, "10")
    assert expect(await api.client.get(f"/journal-entries/{entry['id']}"), 200) == entry


async def test_missing_entry(client: httpx.AsyncClient) -> None:
    assert (await client.get("/journal-entries/987654321")).status_code == 404


async def test_memo_and_reference(api: LedgerApi, chart: Chart) -> None:
    reference = f"INV-{uid()}"
    entry = await api.create_entry(
        chart.book,
        [dr(chart.receivables, "99.95", memo="invoice"), cr(chart.sales, "99.95")],
        reference=reference,
    )
    assert entry["reference"] == reference
    assert [line["memo"] for line in entry["lines"]] == ["invoice", None]


async def test_split_entry(api: LedgerApi, chart: Chart) -> None:
    entry = await api.create_entry(
        chart.book,
        [
            dr(chart.rent, "1000"),
            dr(chart.supplies, "120.50"),
            cr(chart.bank, "1100.50"),
            cr(chart.cash, "20"),
        ],
    )
    assert [line["line_no"] for line in entry["lines"]] == [1, 2, 3, 4]
    assert await api.balance(chart.bank) == Decimal("-1100.50")


async def test_list_entries_in_date_order(api: LedgerApi, chart: Chart) -> None:
    for day in (20, 5, 12):
        await api.transfer(
            chart.book, chart.cash, chart.capital, day, entry_date=dt.date(2024, 3, day)
        )
    entries = expect(await api.client.get(f"/books/{chart.book['id']}/journal-entries"), 200)
    assert [e["entry_date"] for e in entries] == ["2024-03-05", "2024-03-12", "2024-03-20"]


async def test_list_filters_by_date_range(api: LedgerApi, chart: Chart) -> None:
    for month in (1, 2, 3, 4):
        await api.transfer(
            chart.book, chart.cash, chart.capital, 1, entry_date=dt.date(2024, month, 1)
        )
    entries = expect(
        await api.client.get(
            f"/books/{chart.book['id']}/journal-entries",
            params={"date_from": "2024-02-01", "date_to": "2024-03-31"},
        ),
        200,
    )
    assert [e["entry_date"] for e in entries] == ["2024-02-01", "2024-03-01"]


async def test_list_filters_by_status(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, 1)
    draft = await api.transfer(chart.book, chart.cash, chart.capital, 2, status="draft")
    entries = expect(
        await api.client.get(
            f"/books/{chart.book['id']}/journal-entries", params={"status": "draft"}
        ),
        200,
    )
    assert [e["id"] for e in entries] == [draft["id"]]


async def test_list_filters_by_account(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, 1)
    rent = await api.transfer(chart.book, chart.rent, chart.bank, 2)
    entries = expect(
        await api.client.get(
            f"/books/{chart.book['id']}/journal-entries", params={"account_id": chart.rent["id"]}
        ),
        200,
    )
    assert [e["id"] for e in entries] == [rent["id"]]


async def test_list_pagination(api: LedgerApi, chart: Chart) -> None:
    created = [
        await api.transfer(chart.book, chart.cash, chart.capital, 1, entry_date=dt.date(2024, 5, d))
        for d in range(1, 8)
    ]
    url = f"/books/{chart.book['id']}/journal-entries"
    page1 = expect(await api.client.get(url, params={"limit": 3}), 200)
    page3 = expect(await api.client.get(url, params={"limit": 3, "offset": 6}), 200)
    assert [e["id"] for e in page1] == [e["id"] for e in created[:3]]
    assert [e["id"] for e in page3] == [created[6]["id"]]


async def test_list_limit_bounds(api: LedgerApi, chart: Chart) -> None:
    url = f"/books/{chart.book['id']}/journal-entries"
    assert (await api.client.get(url, params={"limit": 0})).status_code == 422
    assert (await api.client.get(url, params={"limit": 501})).status_code == 422
    assert (await api.client.get(url, params={"offset": -1})).status_code == 422


async def test_list_for_missing_book(client: httpx.AsyncClient) -> None:
    assert (await client.get("/books/987654321/journal-entries")).status_code == 404


async def test_entries_of_other_books_are_not_listed(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, 1)
    other = await api.create_book()
    assert expect(await api.client.get(f"/books/{other['id']}/journal-entries"), 200) == []


async def test_duplicate_reference_conflicts(api: LedgerApi, chart: Chart) -> None:
    reference = f"R-{uid()}"
    await api.transfer(chart.book, chart.cash, chart.capital, 1, reference=reference)
    response = await api.post_entry_raw(
        chart.book, [dr(chart.cash, 1), cr(chart.capital, 1)], reference=reference
    )
    assert response.status_code == 409


async def test_same_reference_in_other_book_is_fine(api: LedgerApi, chart: Chart) -> None:
    reference = f"R-{uid()}"
    await api.transfer(chart.book, chart.cash, chart.capital, 1, reference=reference)
    other = await api.create_book()
    a = await api.create_account(other)
    b = await api.create_account(other, type="equity")
    await api.transfer(other, a, b, 1, reference=reference)


async def test_foreign_currency_entry(api: LedgerApi, chart: Chart) -> None:
    eur_bank = await api.create_account(chart.book, code="1020", currency="EUR")
    eur_equity = await api.create_account(chart.book, code="3010", type="equity", currency="EUR")
    entry = await api.transfer(chart.book, eur_bank, eur_equity, "250.00")
    assert {line["currency"] for line in entry["lines"]} == {"EUR"}
    assert await api.balance(eur_bank) == 250


async def test_zero_decimal_currency_entry(api: LedgerApi, chart: Chart) -> None:
    jpy = await api.create_account(chart.book, code="1030", currency="JPY")
    jpy_eq = await api.create_account(chart.book, code="3030", type="equity", currency="JPY")
    entry = await api.transfer(chart.book, jpy, jpy_eq, "150000")
    assert Decimal(entry["lines"][0]["debit"]) == 150000


async def test_three_decimal_currency_entry(api: LedgerApi, chart: Chart) -> None:
    kwd = await api.create_account(chart.book, code="1040", currency="KWD")
    kwd_eq = await api.create_account(chart.book, code="3040", type="equity", currency="KWD")
    entry = await api.transfer(chart.book, kwd, kwd_eq, "12.345")
    assert Decimal(entry["lines"][0]["debit"]) == Decimal("12.345")


async def test_amounts_given_as_json_numbers(api: LedgerApi, chart: Chart) -> None:
    payload = api.entry_payload(
        [
            {"account_id": chart.cash["id"], "debit": 12.5},
            {"account_id": chart.capital["id"], "credit": 12.5},
        ]
    )
    response = await api.client.post(f"/books/{chart.book['id']}/journal-entries", json=payload)
    assert response.status_code == 201
    assert Decimal(response.json()["lines"][0]["debit"]) == Decimal("12.5")


async def test_delete_draft(api: LedgerApi, chart: Chart) -> None:
    draft = await api.transfer(chart.book, chart.cash, chart.capital, 1, status="draft")
    expect(await api.client.delete(f"/journal-entries/{draft['id']}"), 204)
    assert (await api.client.get(f"/journal-entries/{draft['id']}")).status_code == 404


async def test_cannot_delete_posted_entry(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.cash, chart.capital, 1)
    response = await api.client.delete(f"/journal-entries/{entry['id']}")
    assert response.status_code == 409
    assert "only drafts" in response.json()["error"]["message"]
