from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from tests.helpers import Chart, Json, LedgerApi, error_code, expect

ACCOUNT_TYPES = ["asset", "liability", "equity", "income", "expense"]


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
async def test_create_each_account_type(api: LedgerApi, book: Json, account_type: str) -> None:
    account = await api.create_account(book, code="100", name="Thing", type=account_type)
    assert account["type"] == account_type
    assert account["book_id"] == book["id"]
    assert account["is_active"] is True
    assert account["parent_id"] is None


async def test_currency_defaults_to_book_base(api: LedgerApi) -> None:
    book = await api.create_book(base_currency="GBP")
    account = await api.create_account(book)
    assert account["currency"] == "GBP"


async def test_foreign_currency_account(api: LedgerApi, book: Json) -> None:
    account = await api.create_account(book, currency="JPY")
    assert account["currency"] == "JPY"


async def test_description_round_trips(api: LedgerApi, book: Json) -> None:
    account = await api.create_account(book, description="Petty cash in the red tin")
    fetched = expect(await api.client.get(f"/accounts/{account['id']}"), 200)
    assert fetched["description"] == "Petty cash in the red tin"


async def test_duplicate_code_in_same_book_conflicts(api: LedgerApi, book: Json) -> None:
    await api.create_account(book, code="1000")
    response = await api.client.post(
        f"/books/{book['id']}/accounts", json={"code": "1000", "name": "x", "type": "asset"}
    )
    assert response.status_code == 409
    assert error_code(response) == "conflict"


async def test_same_code_in_two_books_is_fine(api: LedgerApi) -> None:
    first, second = await api.create_book(), await api.create_book()
    a = await api.create_account(first, code="1000")
    b = await api.create_account(second, code="1000")
    assert a["id"] != b["id"]


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "", "name": "x", "type": "asset"},
        {"code": "has space", "name": "x", "type": "asset"},
        {"code": "-leading", "name": "x", "type": "asset"},
        {"code": "x" * 33, "name": "x", "type": "asset"},
        {"code": "1", "name": "", "type": "asset"},
        {"code": "1", "name": "x", "type": "revenue"},
        {"code": "1", "name": "x"},
        {"code": "1", "name": "x", "type": "asset", "currency": "usd"},
    ],
)
async def test_create_validation(
    client: httpx.AsyncClient, book: Json, payload: dict[str, str]
) -> None:
    response = await client.post(f"/books/{book['id']}/accounts", json=payload)
    assert response.status_code == 422


async def test_unknown_currency(client: httpx.AsyncClient, book: Json) -> None:
    response = await client.post(
        f"/books/{book['id']}/accounts",
        json={"code": "1", "name": "x", "type": "asset", "currency": "AAA"},
    )
    assert response.status_code == 422


async def test_create_in_missing_book(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/books/987654321/accounts", json={"code": "1", "name": "x", "type": "asset"}
    )
    assert response.status_code == 404


async def test_list_sorted_by_code(api: LedgerApi, book: Json) -> None:
    for code in ("300", "100", "200"):
        await api.create_account(book, code=code)
    accounts = expect(await api.client.get(f"/books/{book['id']}/accounts"), 200)
    assert [a["code"] for a in accounts] == ["100", "200", "300"]


async def test_list_filters_by_type(api: LedgerApi, chart: Chart) -> None:
    accounts = expect(
        await api.client.get(f"/books/{chart.book['id']}/accounts", params={"type": "expense"}),
        200,
    )
    assert [a["code"] for a in accounts] == ["6100", "6200", "6300"]


async def test_list_filters_by_active(api: LedgerApi, book: Json) -> None:
    keep = await api.create_account(book, code="1")
    drop = await api.create_account(book, code="2")
    expect(await api.client.patch(f"/accounts/{drop['id']}", json={"is_active": False}), 200)
    active = expect(
        await api.client.get(f"/books/{book['id']}/accounts", params={"active": True}), 200
    )
    inactive = expect(
        await api.client.get(f"/books/{book['id']}/accounts", params={"active": False}), 200
    )
    assert [a["id"] for a in active] == [keep["id"]]
    assert [a["id"] for a in inactive] == [drop["id"]]


async def test_list_of_other_book_is_isolated(api: LedgerApi, chart: Chart) -> None:
    other = await api.create_book()
    assert expect(await api.client.get(f"/books/{other['id']}/accounts"), 200) == []


async def test_rename(api: LedgerApi, book: Json) -> None:
    account = await api.create_account(book, name="Old")
    body = expect(await api.client.patch(f"/accounts/{account['id']}", json={"name": "New"}), 200)
    assert body["name"] == "New"
    assert body["code"] == account["code"]


async def test_patch_with_empty_body_changes_nothing(api: LedgerApi, book: Json) -> None:
    account = await api.create_account(book, description="keep me")
    assert expect(await api.client.patch(f"/accounts/{account['id']}", json={}), 200) == account


async def test_deactivate_zero_balance_account(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.supplies, chart.cash, "10")
    await api.transfer(chart.book, chart.cash, chart.supplies, "10")
    body = expect(
        await api.client.patch(f"/accounts/{chart.supplies['id']}", json={"is_active": False}),
        200,
    )
    assert body["is_active"] is False


async def test_cannot_deactivate_account_with_balance(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, "100")
    response = await api.client.patch(f"/accounts/{chart.cash['id']}", json={"is_active": False})
    assert response.status_code == 409
    assert "non-zero balance" in response.json()["error"]["message"]


async def test_reactivate(api: LedgerApi, book: Json) -> None:
    account = await api.create_account(book)
    expect(await api.client.patch(f"/accounts/{account['id']}", json={"is_active": False}), 200)
    body = expect(
        await api.client.patch(f"/accounts/{account['id']}", json={"is_active": True}), 200
    )
    assert body["is_active"] is True


async def test_delete_unused_account(api: LedgerApi, book: Json) -> None:
    account = await api.create_account(book)
    expect(await api.client.delete(f"/accounts/{account['id']}"), 204)
    assert (await api.client.get(f"/accounts/{account['id']}")).status_code == 404


async def test_cannot_delete_account_with_lines(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, "5")
    response = await api.client.delete(f"/accounts/{chart.cash['id']}")
    assert response.status_code == 409
    assert "deactivate it instead" in response.json()["error"]["message"]


async def test_missing_account(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/accounts/987654321"),
        await client.patch("/accounts/987654321", json={"name": "x"}),
        await client.delete("/accounts/987654321"),
        await client.get("/accounts/987654321/balance"),
    ):
        assert response.status_code == 404


async def test_balance_of_new_account_is_zero(api: LedgerApi, book: Json) -> None:
    account = await api.create_account(book)
    body = expect(await api.client.get(f"/accounts/{account['id']}/balance"), 200)
    assert Decimal(body["balance"]) == 0
    assert body["currency"] == "USD"


@pytest.mark.parametrize(
    ("account_name", "expected"),
    [
        ("cash", Decimal("700")),
        ("capital", Decimal("1000")),
        ("sales", Decimal("200")),
        ("rent", Decimal("500")),
    ],
)
async def test_balance_uses_natural_sign(
    api: LedgerApi, chart: Chart, account_name: str, expected: Decimal
) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, "1000")
    await api.transfer(chart.book, chart.rent, chart.cash, "500")
    await api.transfer(chart.book, chart.cash, chart.sales, "200")
    assert await api.balance(getattr(chart, account_name)) == expected


async def test_balance_as_of_date(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, "100", entry_date=dt.date(2024, 1, 5))
    await api.transfer(chart.book, chart.cash, chart.capital, "50", entry_date=dt.date(2024, 2, 5))
    assert await api.balance(chart.cash, as_of=dt.date(2024, 1, 31)) == 100
    assert await api.balance(chart.cash, as_of=dt.date(2024, 2, 5)) == 150
    assert await api.balance(chart.cash, as_of=dt.date(2023, 12, 31)) == 0


async def test_balance_ignores_drafts_and_voids(api: LedgerApi, chart: Chart) -> None:
    await api.transfer(chart.book, chart.cash, chart.capital, "100")
    await api.transfer(chart.book, chart.cash, chart.capital, "40", status="draft")
    voided = await api.transfer(chart.book, chart.cash, chart.capital, "7")
    expect(await api.client.post(f"/journal-entries/{voided['id']}/void"), 200)
    body = expect(await api.client.get(f"/accounts/{chart.cash['id']}/balance"), 200)
    assert Decimal(body["balance"]) == 100
    assert Decimal(body["debit_total"]) == 100
    assert Decimal(body["credit_total"]) == 0
