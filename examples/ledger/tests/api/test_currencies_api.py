from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.helpers import LedgerApi, error_code, expect

SEEDED = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "JPY": 0,
    "CHF": 2,
    "KRW": 0,
    "KWD": 3,
    "BHD": 3,
    "ISK": 0,
}


async def test_list_is_sorted_by_code(client: httpx.AsyncClient) -> None:
    codes = [c["code"] for c in expect(await client.get("/currencies"), 200)]
    assert codes == sorted(codes)


@pytest.mark.parametrize(("code", "places"), sorted(SEEDED.items()))
async def test_seeded_currency(client: httpx.AsyncClient, code: str, places: int) -> None:
    body = expect(await client.get(f"/currencies/{code}"), 200)
    assert body["decimal_places"] == places
    assert body["is_active"] is True


async def test_lookup_is_case_insensitive(client: httpx.AsyncClient) -> None:
    assert expect(await client.get("/currencies/eur"), 200)["code"] == "EUR"


async def test_unknown_currency_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/currencies/AAA")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


async def test_create_and_fetch(api: LedgerApi) -> None:
    code = await api.free_currency_code()
    created = await api.create_currency(code, decimal_places=3, name="Test Dinar")
    assert created == {
        "code": code,
        "name": "Test Dinar",
        "decimal_places": 3,
        "symbol": None,
        "is_active": True,
    }
    assert expect(await api.client.get(f"/currencies/{code}"), 200) == created


async def test_create_duplicate_conflicts(api: LedgerApi, scratch_currency: str) -> None:
    response = await api.client.post(
        "/currencies", json={"code": scratch_currency, "name": "again", "decimal_places": 2}
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "us", "name": "x", "decimal_places": 2},
        {"code": "USDX", "name": "x", "decimal_places": 2},
        {"code": "U1D", "name": "x", "decimal_places": 2},
        {"code": "QAA", "name": "", "decimal_places": 2},
        {"code": "QAA", "name": "x", "decimal_places": 5},
        {"code": "QAA", "name": "x", "decimal_places": -1},
        {"code": "QAA", "name": "x"},
        {"code": "QAA", "name": "x", "decimal_places": 2, "symbol": "toolongsym"},
    ],
)
async def test_create_validation(client: httpx.AsyncClient, payload: dict[str, object]) -> None:
    assert (await client.post("/currencies", json=payload)).status_code == 422


async def test_update_name_and_symbol(api: LedgerApi, scratch_currency: str) -> None:
    body = expect(
        await api.client.patch(
            f"/currencies/{scratch_currency}", json={"name": "Renamed", "symbol": "¤"}
        ),
        200,
    )
    assert (body["name"], body["symbol"]) == ("Renamed", "¤")


async def test_deactivate_hides_from_active_list(api: LedgerApi, scratch_currency: str) -> None:
    expect(
        await api.client.patch(f"/currencies/{scratch_currency}", json={"is_active": False}), 200
    )
    active = {c["code"] for c in await api.currencies(active=True)}
    everything = {c["code"] for c in await api.currencies()}
    assert scratch_currency not in active
    assert scratch_currency in everything


async def test_cannot_deactivate_a_book_base_currency(
    api: LedgerApi, scratch_currency: str
) -> None:
    await api.create_book(base_currency=scratch_currency)
    response = await api.client.patch(f"/currencies/{scratch_currency}", json={"is_active": False})
    assert response.status_code == 409


async def test_update_unknown_currency(client: httpx.AsyncClient) -> None:
    assert (await client.patch("/currencies/AAA", json={"name": "x"})).status_code == 404


async def test_delete_unused_currency(api: LedgerApi) -> None:
    created = await api.create_currency()
    expect(await api.client.delete(f"/currencies/{created['code']}"), 204)
    assert (await api.client.get(f"/currencies/{created['code']}")).status_code == 404


async def test_delete_currency_used_by_book_conflicts(
    api: LedgerApi, scratch_currency: str
) -> None:
    await api.create_book(base_currency=scratch_currency)
    response = await api.client.delete(f"/currencies/{scratch_currency}")
    assert response.status_code == 409
    assert "in use" in response.json()["error"]["message"]


async def test_delete_currency_used_by_rate_conflicts(
    api: LedgerApi, scratch_currency: str
) -> None:
    await api.set_rate(scratch_currency, "USD", dt.date(2024, 1, 1), "2")
    assert (await api.client.delete(f"/currencies/{scratch_currency}")).status_code == 409


async def test_delete_seeded_currency_in_use_conflicts(api: LedgerApi) -> None:
    await api.create_book(base_currency="USD")
    assert (await api.client.delete("/currencies/USD")).status_code == 409


async def test_inactive_currency_cannot_back_new_accounts(
    api: LedgerApi, scratch_currency: str
) -> None:
    book = await api.create_book()
    expect(
        await api.client.patch(f"/currencies/{scratch_currency}", json={"is_active": False}), 200
    )
    response = await api.client.post(
        f"/books/{book['id']}/accounts",
        json={"code": "1", "name": "x", "type": "asset", "currency": scratch_currency},
    )
    assert response.status_code == 422
    assert "inactive" in response.json()["error"]["message"]
