from __future__ import annotations

import httpx
import pytest

from tests.helpers import LedgerApi, expect, uid


async def test_create_book(api: LedgerApi) -> None:
    name = f"Acme {uid()}"
    book = await api.create_book(name=name, base_currency="EUR")
    assert book["name"] == name
    assert book["base_currency"] == "EUR"
    assert isinstance(book["id"], int)


async def test_get_book(api: LedgerApi) -> None:
    book = await api.create_book()
    assert expect(await api.client.get(f"/books/{book['id']}"), 200) == book


async def test_list_contains_new_book(api: LedgerApi) -> None:
    book = await api.create_book()
    books = expect(await api.client.get("/books"), 200)
    assert book in books
    ids = [b["id"] for b in books]
    assert ids == sorted(ids)


async def test_name_is_stripped(api: LedgerApi) -> None:
    name = f"Padded {uid()}"
    book = await api.create_book(name=f"  {name}  ")
    assert book["name"] == name


async def test_duplicate_name_conflicts(api: LedgerApi) -> None:
    book = await api.create_book()
    response = await api.client.post("/books", json={"name": book["name"], "base_currency": "USD"})
    assert response.status_code == 409


async def test_unknown_base_currency(client: httpx.AsyncClient) -> None:
    response = await client.post("/books", json={"name": f"B {uid()}", "base_currency": "AAA"})
    assert response.status_code == 422
    assert "unknown currency" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "", "base_currency": "USD"},
        {"name": "x" * 101, "base_currency": "USD"},
        {"name": "ok", "base_currency": "usd"},
        {"name": "ok"},
        {"base_currency": "USD"},
    ],
)
async def test_validation(client: httpx.AsyncClient, payload: dict[str, str]) -> None:
    assert (await client.post("/books", json=payload)).status_code == 422


async def test_missing_book_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/books/987654321")).status_code == 404


async def test_book_id_must_be_an_integer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/books/abc")).status_code == 422
