"""Error responses share one envelope: {"error": {"code", "message"}}."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import Chart, LedgerApi, cr, dr


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/books/987654321"),
        ("GET", "/accounts/987654321"),
        ("GET", "/journal-entries/987654321"),
        ("GET", "/periods/987654321"),
        ("GET", "/statements/987654321"),
        ("GET", "/currencies/AAA"),
        ("DELETE", "/fx-rates/987654321"),
        ("DELETE", "/matches/987654321"),
    ],
)
async def test_not_found_envelope(client: httpx.AsyncClient, method: str, url: str) -> None:
    response = await client.request(method, url)
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "not_found"
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


async def test_conflict_envelope(api: LedgerApi) -> None:
    book = await api.create_book()
    response = await api.client.post("/books", json={"name": book["name"], "base_currency": "USD"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


async def test_unbalanced_envelope(api: LedgerApi, chart: Chart) -> None:
    response = await api.post_entry_raw(chart.book, [dr(chart.cash, 2), cr(chart.capital, 1)])
    assert response.json() == {
        "error": {
            "code": "unbalanced_entry",
            "message": "entry does not balance (USD: debits 2.00 != credits 1.00)",
        }
    }


async def test_request_validation_keeps_fastapi_shape(client: httpx.AsyncClient) -> None:
    response = await client.post("/books", json={"name": 5})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {tuple(item["loc"]) for item in detail} >= {("body", "base_currency")}


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/books", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
