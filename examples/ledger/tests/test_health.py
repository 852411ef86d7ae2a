from __future__ import annotations

import httpx

from ledger import __version__


async def test_health_reports_database_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}


async def test_unknown_route_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404


async def test_method_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.put("/health")
    assert response.status_code == 405


async def test_openapi_document_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Ledger"
    assert document["info"]["version"] == __version__
