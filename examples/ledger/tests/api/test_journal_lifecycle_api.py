"""Draft -> posted -> void, and reversals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from tests.helpers import Chart, Json, LedgerApi, expect


async def _post(
    client: httpx.AsyncClient, entry: Json, action: str, json: Json | None = None
) -> httpx.Response:
    return await client.post(f"/journal-entries/{entry['id']}/{action}", json=json)


async def test_post_a_draft(api: LedgerApi, chart: Chart) -> None:
    draft = await api.transfer(chart.book, chart.cash, chart.capital, 25, status="draft")
    assert await api.balance(chart.cash) == 0
    posted = expect(await _post(api.client, draft, "post"), 200)
    assert posted["status"] == "posted"
    assert posted["posted_at"] is not None
    assert await api.balance(chart.cash) == 25


@pytest.mark.parametrize("status", ["posted", "void"])
async def test_only_drafts_can_be_posted(api: LedgerApi, chart: Chart, status: str) -> None:
    entry = await api.transfer(chart.book, chart.cash, chart.capital, 1)
    if status == "void":
        expect(await _post(api.client, entry, "void"), 200)
    response = await _post(api.client, entry, "post")
    assert response.status_code == 409


async def test_posting_a_draft_to_a_deactivated_account_fails(api: LedgerApi, chart: Chart) -> None:
    draft = await api.transfer(chart.book, chart.supplies, chart.cash, 1, status="draft")
    expect(
        await api.client.patch(f"/accounts/{chart.supplies['id']}", json={"is_active": False}), 200
    )
    response = await _post(api.client, draft, "post")
    assert response.status_code == 422
    assert "6300" in response.json()["error"]["message"]


async def test_void_posted_entry(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.cash, chart.capital, 40)
    voided = expect(await _post(api.client, entry, "void"), 200)
    assert voided["status"] == "void"
    assert await api.balance(chart.cash) == 0


async def test_void_twice_conflicts(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.cash, chart.capital, 40)
    expect(await _post(api.client, entry, "void"), 200)
    assert (await _post(api.client, entry, "void")).status_code == 409


async def test_cannot_void_a_draft(api: LedgerApi, chart: Chart) -> None:
    draft = await api.transfer(chart.book, chart.cash, chart.capital, 1, status="draft")
    assert (await _post(api.client, draft, "void")).status_code == 409


async def test_reverse_entry(api: LedgerApi, chart: Chart) -> None:
    entry = await api.create_entry(
        chart.book,
        [
            {"account_id": chart.rent["id"], "debit": "900", "memo": "March rent"},
            {"account_id": chart.bank["id"], "credit": "900"},
        ],
        entry_date=dt.date(2024, 3, 1),
        description="Rent",
    )
    reversal = expect(await _post(api.client, entry, "reverse"), 201)
    assert reversal["reversal_of_id"] == entry["id"]
    assert reversal["entry_date"] == "2024-03-01"
    assert reversal["description"] == f"Reversal of entry {entry['id']}: Rent"
    assert [(Decimal(x["debit"]), Decimal(x["credit"])) for x in reversal["lines"]] == [
        (0, 900),
        (900, 0),
    ]
    assert reversal["lines"][0]["memo"] == "March rent"
    assert await api.balance(chart.rent) == 0
    assert await api.balance(chart.bank) == 0


async def test_reverse_with_date_and_description(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(
        chart.book, chart.rent, chart.bank, 10, entry_date=dt.date(2024, 3, 31)
    )
    reversal = expect(
        await _post(
            api.client,
            entry,
            "reverse",
            json={"entry_date": "2024-04-01", "description": "Auto-reversing accrual"},
        ),
        201,
    )
    assert reversal["entry_date"] == "2024-04-01"
    assert reversal["description"] == "Auto-reversing accrual"
    assert await api.balance(chart.rent, as_of=dt.date(2024, 3, 31)) == 10
    assert await api.balance(chart.rent, as_of=dt.date(2024, 4, 1)) == 0


async def test_reversal_cannot_predate_original(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(
        chart.book, chart.rent, chart.bank, 10, entry_date=dt.date(2024, 3, 31)
    )
    response = await _post(api.client, entry, "reverse", json={"entry_date": "2024-03-30"})
    assert response.status_code == 422


async def test_reverse_twice_conflicts(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.rent, chart.bank, 10)
    expect(await _post(api.client, entry, "reverse"), 201)
    response = await _post(api.client, entry, "reverse")
    assert response.status_code == 409
    assert "already reversed" in response.json()["error"]["message"]


async def test_cannot_reverse_a_reversal(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.rent, chart.bank, 10)
    reversal = expect(await _post(api.client, entry, "reverse"), 201)
    assert (await _post(api.client, reversal, "reverse")).status_code == 409


async def test_cannot_void_a_reversed_entry(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.rent, chart.bank, 10)
    expect(await _post(api.client, entry, "reverse"), 201)
    assert (await _post(api.client, entry, "void")).status_code == 409


async def test_voiding_the_reversal_allows_reversing_again(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(chart.book, chart.rent, chart.bank, 10)
    reversal = expect(await _post(api.client, entry, "reverse"), 201)
    expect(await _post(api.client, reversal, "void"), 200)
    expect(await _post(api.client, entry, "reverse"), 201)
    assert await api.balance(chart.rent) == 0


@pytest.mark.parametrize("action", ["post", "void", "reverse"])
async def test_actions_on_missing_entry(client: httpx.AsyncClient, action: str) -> None:
    response = await client.post(f"/journal-entries/987654321/{action}")
    assert response.status_code == 404


async def test_cannot_reverse_draft(api: LedgerApi, chart: Chart) -> None:
    draft = await api.transfer(chart.book, chart.rent, chart.bank, 10, status="draft")
    assert (await _post(api.client, draft, "reverse")).status_code == 409
