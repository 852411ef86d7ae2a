from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from tests.helpers import Chart, Json, LedgerApi, expect, uid


def statement(reference: str | None = None, *lines: tuple[str, str], opening: str = "0") -> Json:
    closing = Decimal(opening) + sum((Decimal(amount) for _, amount in lines), Decimal(0))
    return {
        "reference": reference or f"ST-{uid()}",
        "statement_date": "2024-06-30",
        "opening_balance": opening,
        "closing_balance": str(closing),
        "lines": [
            {
                "txn_date": day,
                "amount": amount,
                "description": f"txn {n}",
                "external_id": f"ext-{n}",
            }
            for n, (day, amount) in enumerate(lines, start=1)
        ],
    }


async def _import(api: LedgerApi, account: Json, payload: Json) -> httpx.Response:
    return await api.client.post(f"/accounts/{account['id']}/statements", json=payload)


async def test_import_statement(api: LedgerApi, chart: Chart) -> None:
    payload = statement(None, ("2024-06-03", "500.00"), ("2024-06-10", "-120.25"), opening="1000")
    body = expect(await _import(api, chart.bank, payload), 201)
    assert body["account_id"] == chart.bank["id"]
    assert Decimal(body["closing_balance"]) == Decimal("1379.75")
    assert [line["external_id"] for line in body["lines"]] == ["ext-1", "ext-2"]
    assert [Decimal(line["amount"]) for line in body["lines"]] == [
        Decimal("500"),
        Decimal("-120.25"),
    ]


async def test_get_statement(api: LedgerApi, chart: Chart) -> None:
    created = expect(await _import(api, chart.bank, statement(None, ("2024-06-03", "5"))), 201)
    assert expect(await api.client.get(f"/statements/{created['id']}"), 200) == created


async def test_list_statements_for_account(api: LedgerApi, chart: Chart) -> None:
    first = expect(await _import(api, chart.bank, statement(None, ("2024-06-03", "5"))), 201)
    second = expect(await _import(api, chart.bank, statement(None, ("2024-06-04", "6"))), 201)
    listed = expect(await api.client.get(f"/accounts/{chart.bank['id']}/statements"), 200)
    assert [s["id"] for s in listed] == [first["id"], second["id"]]
    assert expect(await api.client.get(f"/accounts/{chart.cash['id']}/statements"), 200) == []


async def test_empty_statement(api: LedgerApi, chart: Chart) -> None:
    body = expect(await _import(api, chart.bank, statement(None, opening="42")), 201)
    assert body["lines"] == []


async def test_duplicate_reference_conflicts(api: LedgerApi, chart: Chart) -> None:
    reference = f"ST-{uid()}"
    expect(await _import(api, chart.bank, statement(reference, ("2024-06-03", "5"))), 201)
    response = await _import(api, chart.bank, statement(reference, ("2024-06-03", "5")))
    assert response.status_code == 409


async def test_same_reference_on_other_account(api: LedgerApi, chart: Chart) -> None:
    reference = f"ST-{uid()}"
    expect(await _import(api, chart.bank, statement(reference, ("2024-06-03", "5"))), 201)
    expect(await _import(api, chart.cash, statement(reference, ("2024-06-03", "5"))), 201)


async def test_balances_must_add_up(api: LedgerApi, chart: Chart) -> None:
    payload = statement(None, ("2024-06-03", "5"))
    payload["closing_balance"] = "6"
    response = await _import(api, chart.bank, payload)
    assert response.status_code == 422
    assert "!= closing" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["lines"][0].update(amount="0"), "must not be zero"),
        (lambda p: p["lines"][0].update(txn_date="2024-07-01"), "dated after"),
        (lambda p: p["lines"][1].update(external_id="ext-1"), "duplicate external id"),
    ],
)
async def test_line_validation(
    api: LedgerApi, chart: Chart, mutate: Callable[[Json], object], message: str
) -> None:
    payload = statement(None, ("2024-06-03", "5"), ("2024-06-04", "5"))
    mutate(payload)
    total = sum(Decimal(line["amount"]) for line in payload["lines"])
    payload["closing_balance"] = str(total)
    response = await _import(api, chart.bank, payload)
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]


async def test_amount_precision_follows_account_currency(api: LedgerApi, chart: Chart) -> None:
    response = await _import(api, chart.bank, statement(None, ("2024-06-03", "5.555")))
    assert response.status_code == 422
    assert "2 decimal places" in response.json()["error"]["message"]


@pytest.mark.parametrize("account_name", ["payables", "capital", "sales", "rent"])
async def test_only_asset_accounts_take_statements(
    api: LedgerApi, chart: Chart, account_name: str
) -> None:
    response = await _import(
        api, getattr(chart, account_name), statement(None, ("2024-06-03", "5"))
    )
    assert response.status_code == 422
    assert "not a bank" in response.json()["error"]["message"]


async def test_statement_for_missing_account(api: LedgerApi) -> None:
    response = await _import(api, {"id": 987654321}, statement(None))
    assert response.status_code == 404


async def test_missing_statement(client: httpx.AsyncClient) -> None:
    assert (await client.get("/statements/987654321")).status_code == 404
    assert (await client.get("/statements/987654321/summary")).status_code == 404
    assert (await client.get("/statements/987654321/matches")).status_code == 404
    assert (await client.post("/statements/987654321/auto-match")).status_code == 404


async def test_account_with_statement_cannot_be_deleted(api: LedgerApi, chart: Chart) -> None:
    expect(await _import(api, chart.bank, statement(None)), 201)
    assert (await api.client.delete(f"/accounts/{chart.bank['id']}")).status_code == 409
