from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from tests.helpers import LedgerApi, error_code, expect

JAN = dt.date(2024, 1, 1)
FEB = dt.date(2024, 2, 1)


@pytest.fixture
async def pair(api: LedgerApi) -> tuple[str, str]:
    """Two fresh currencies, so rates set here cannot collide with other tests."""
    base = await api.create_currency()
    quote = await api.create_currency(decimal_places=0)
    return base["code"], quote["code"]


async def test_set_rate(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    row = await api.set_rate(base, quote, JAN, "1.2345", source="ecb")
    assert row["base_currency"] == base
    assert row["quote_currency"] == quote
    assert row["as_of"] == "2024-01-01"
    assert Decimal(row["rate"]) == Decimal("1.2345")
    assert row["source"] == "ecb"


async def test_setting_same_day_replaces(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    first = await api.set_rate(base, quote, JAN, "1.1")
    second = await api.set_rate(base, quote, JAN, "1.3")
    assert second["id"] == first["id"]
    rates = expect(await api.client.get("/fx-rates", params={"base": base, "quote": quote}), 200)
    assert [Decimal(r["rate"]) for r in rates] == [Decimal("1.3")]


async def test_list_filters_by_pair_and_dates(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    for day in (1, 2, 3, 4):
        await api.set_rate(base, quote, dt.date(2024, 3, day), str(day))
    rates = expect(
        await api.client.get(
            "/fx-rates",
            params={"base": base, "date_from": "2024-03-02", "date_to": "2024-03-03"},
        ),
        200,
    )
    assert [r["as_of"] for r in rates] == ["2024-03-02", "2024-03-03"]


async def test_delete_rate(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    row = await api.set_rate(base, quote, JAN, "2")
    expect(await api.client.delete(f"/fx-rates/{row['id']}"), 204)
    assert expect(await api.client.get("/fx-rates", params={"base": base}), 200) == []


async def test_delete_missing_rate(client: httpx.AsyncClient) -> None:
    assert (await client.delete("/fx-rates/999999999")).status_code == 404


@pytest.mark.parametrize("rate", ["0", "-1.5"])
async def test_rate_must_be_positive(client: httpx.AsyncClient, rate: str) -> None:
    payload = {"base_currency": "EUR", "quote_currency": "USD", "as_of": "2024-01-01", "rate": rate}
    assert (await client.put("/fx-rates", json=payload)).status_code == 422


async def test_same_currency_pair_rejected(client: httpx.AsyncClient) -> None:
    payload = {"base_currency": "EUR", "quote_currency": "EUR", "as_of": "2024-01-01", "rate": "1"}
    response = await client.put("/fx-rates", json=payload)
    assert response.status_code == 422
    assert error_code(response) == "validation_failed"


async def test_unknown_currency_rejected(client: httpx.AsyncClient) -> None:
    payload = {"base_currency": "AAA", "quote_currency": "USD", "as_of": "2024-01-01", "rate": "1"}
    assert (await client.put("/fx-rates", json=payload)).status_code == 422


async def test_get_rate_direct(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    await api.set_rate(base, quote, JAN, "150")
    body = expect(
        await api.client.get(
            "/fx-rates/rate", params={"base": base, "quote": quote, "on": "2024-01-20"}
        ),
        200,
    )
    assert Decimal(body["rate"]) == 150
    assert body["as_of"] == "2024-01-20"


async def test_get_rate_inverse(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    await api.set_rate(base, quote, JAN, "4")
    body = expect(
        await api.client.get(
            "/fx-rates/rate", params={"base": quote, "quote": base, "on": "2024-01-20"}
        ),
        200,
    )
    assert Decimal(body["rate"]) == Decimal("0.25")


async def test_get_rate_uses_latest_before_date(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    await api.set_rate(base, quote, JAN, "1")
    await api.set_rate(base, quote, FEB, "2")
    params = {"base": base, "quote": quote}
    jan = expect(await api.client.get("/fx-rates/rate", params={**params, "on": "2024-01-31"}), 200)
    feb = expect(await api.client.get("/fx-rates/rate", params={**params, "on": "2024-02-01"}), 200)
    assert (Decimal(jan["rate"]), Decimal(feb["rate"])) == (1, 2)


async def test_get_rate_before_any_quote(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    await api.set_rate(base, quote, FEB, "2")
    response = await api.client.get(
        "/fx-rates/rate", params={"base": base, "quote": quote, "on": "2024-01-15"}
    )
    assert response.status_code == 404
    assert error_code(response) == "rate_not_found"


async def test_cross_rate_via_usd(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair
    await api.set_rate(base, "USD", JAN, "2")
    await api.set_rate("USD", quote, JAN, "100")
    body = expect(
        await api.client.get(
            "/fx-rates/rate", params={"base": base, "quote": quote, "on": "2024-01-02"}
        ),
        200,
    )
    assert Decimal(body["rate"]) == 200


async def test_convert_rounds_to_target_places(api: LedgerApi, pair: tuple[str, str]) -> None:
    base, quote = pair  # quote has 0 decimal places
    await api.set_rate(base, quote, JAN, "151.37")
    body = expect(
        await api.client.get(
            "/fx-rates/convert",
            params={"amount": "10.50", "from": base, "to": quote, "on": "2024-01-05"},
        ),
        200,
    )
    assert Decimal(body["converted"]) == Decimal("1589")
    assert Decimal(body["rate"]) == Decimal("151.37")


async def test_convert_same_currency(client: httpx.AsyncClient) -> None:
    body = expect(
        await client.get(
            "/fx-rates/convert",
            params={"amount": "12.34", "from": "USD", "to": "USD", "on": "2024-01-05"},
        ),
        200,
    )
    assert Decimal(body["converted"]) == Decimal("12.34")


@pytest.mark.parametrize(
    "params",
    [
        {"base": "usd", "quote": "EUR", "on": "2024-01-01"},
        {"base": "USD", "quote": "EUR"},
        {"base": "USD", "quote": "EUR", "on": "yesterday"},
    ],
)
async def test_rate_query_validation(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    assert (await client.get("/fx-rates/rate", params=params)).status_code == 422


async def test_rate_for_unknown_currency(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/fx-rates/rate", params={"base": "AAA", "quote": "USD", "on": "2024-01-01"}
    )
    assert response.status_code == 404
