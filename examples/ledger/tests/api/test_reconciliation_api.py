from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from tests.helpers import Chart, Json, LedgerApi, cr, dr, error_code, expect, uid


async def _statement(
    api: LedgerApi, account: Json, lines: list[tuple[str, str]], opening: str = "0"
) -> Json:
    closing = Decimal(opening) + sum((Decimal(a) for _, a in lines), Decimal(0))
    payload = {
        "reference": f"ST-{uid()}",
        "statement_date": "2024-06-30",
        "opening_balance": opening,
        "closing_balance": str(closing),
        "lines": [
            {"txn_date": d, "amount": a, "description": f"bank {n}", "external_id": f"b{n}"}
            for n, (d, a) in enumerate(lines, start=1)
        ],
    }
    return expect(await api.client.post(f"/accounts/{account['id']}/statements", json=payload), 201)


async def _deposit(api: LedgerApi, chart: Chart, amount: str, day: int) -> Json:
    return await api.transfer(
        chart.book, chart.bank, chart.sales, amount, entry_date=dt.date(2024, 6, day)
    )


async def _payment(api: LedgerApi, chart: Chart, amount: str, day: int) -> Json:
    return await api.transfer(
        chart.book, chart.rent, chart.bank, amount, entry_date=dt.date(2024, 6, day)
    )


def _bank_line(entry: Json, chart: Chart) -> int:
    return next(line["id"] for line in entry["lines"] if line["account_id"] == chart.bank["id"])


async def _summary(api: LedgerApi, statement: Json) -> Json:
    return expect(await api.client.get(f"/statements/{statement['id']}/summary"), 200)


async def _auto(api: LedgerApi, statement: Json, **params: int) -> Json:
    return expect(
        await api.client.post(f"/statements/{statement['id']}/auto-match", params=params), 200
    )


async def test_manual_match(api: LedgerApi, chart: Chart) -> None:
    entry = await _deposit(api, chart, "250.00", 3)
    statement = await _statement(api, chart.bank, [("2024-06-04", "250.00")])
    match = expect(
        await api.client.post(
            "/matches",
            json={
                "statement_line_id": statement["lines"][0]["id"],
                "journal_line_id": _bank_line(entry, chart),
            },
        ),
        201,
    )
    assert match["method"] == "manual"
    matches = expect(await api.client.get(f"/statements/{statement['id']}/matches"), 200)
    assert matches == [match]


async def test_manual_match_amount_mismatch(api: LedgerApi, chart: Chart) -> None:
    entry = await _deposit(api, chart, "250.00", 3)
    statement = await _statement(api, chart.bank, [("2024-06-04", "249.99")])
    response = await api.client.post(
        "/matches",
        json={
            "statement_line_id": statement["lines"][0]["id"],
            "journal_line_id": _bank_line(entry, chart),
        },
    )
    assert response.status_code == 422
    assert "amounts differ" in response.json()["error"]["message"]


async def test_manual_match_wrong_account(api: LedgerApi, chart: Chart) -> None:
    entry = await _deposit(api, chart, "250.00", 3)
    sales_line = next(
        line["id"] for line in entry["lines"] if line["account_id"] == chart.sales["id"]
    )
    statement = await _statement(api, chart.bank, [("2024-06-04", "-250.00")])
    response = await api.client.post(
        "/matches",
        json={"statement_line_id": statement["lines"][0]["id"], "journal_line_id": sales_line},
    )
    assert response.status_code == 422


async def test_manual_match_draft_entry(api: LedgerApi, chart: Chart) -> None:
    draft = await api.create_entry(
        chart.book,
        [dr(chart.bank, 10), cr(chart.sales, 10)],
        status="draft",
        entry_date=dt.date(2024, 6, 1),
    )
    statement = await _statement(api, chart.bank, [("2024-06-01", "10")])
    response = await api.client.post(
        "/matches",
        json={
            "statement_line_id": statement["lines"][0]["id"],
            "journal_line_id": _bank_line(draft, chart),
        },
    )
    assert response.status_code == 422
    assert "posted" in response.json()["error"]["message"]


async def test_line_cannot_be_matched_twice(api: LedgerApi, chart: Chart) -> None:
    entry = await _deposit(api, chart, "10", 3)
    statement = await _statement(api, chart.bank, [("2024-06-04", "10"), ("2024-06-05", "10")])
    journal_line = _bank_line(entry, chart)
    expect(
        await api.client.post(
            "/matches",
            json={
                "statement_line_id": statement["lines"][0]["id"],
                "journal_line_id": journal_line,
            },
        ),
        201,
    )
    response = await api.client.post(
        "/matches",
        json={"statement_line_id": statement["lines"][1]["id"], "journal_line_id": journal_line},
    )
    assert response.status_code == 409


@pytest.mark.parametrize("missing", ["statement_line_id", "journal_line_id"])
async def test_match_missing_lines(api: LedgerApi, chart: Chart, missing: str) -> None:
    entry = await _deposit(api, chart, "10", 3)
    statement = await _statement(api, chart.bank, [("2024-06-04", "10")])
    payload = {
        "statement_line_id": statement["lines"][0]["id"],
        "journal_line_id": _bank_line(entry, chart),
    }
    payload[missing] = 987654321
    assert (await api.client.post("/matches", json=payload)).status_code == 404


async def test_unmatch(api: LedgerApi, chart: Chart) -> None:
    entry = await _deposit(api, chart, "10", 3)
    statement = await _statement(api, chart.bank, [("2024-06-04", "10")])
    match = expect(
        await api.client.post(
            "/matches",
            json={
                "statement_line_id": statement["lines"][0]["id"],
                "journal_line_id": _bank_line(entry, chart),
            },
        ),
        201,
    )
    expect(await api.client.delete(f"/matches/{match['id']}"), 204)
    assert expect(await api.client.get(f"/statements/{statement['id']}/matches"), 200) == []
    assert (await api.client.delete(f"/matches/{match['id']}")).status_code == 404


async def test_auto_match(api: LedgerApi, chart: Chart) -> None:
    d1 = await _deposit(api, chart, "100.00", 2)
    p1 = await _payment(api, chart, "40.00", 5)
    await _deposit(api, chart, "77.00", 20)  # not on the statement
    statement = await _statement(
        api,
        chart.bank,
        [("2024-06-03", "100.00"), ("2024-06-05", "-40.00"), ("2024-06-09", "-3.50")],
    )
    result = await _auto(api, statement)
    pairs = {(m["statement_line_id"], m["journal_line_id"]) for m in result["matched"]}
    assert pairs == {
        (statement["lines"][0]["id"], _bank_line(d1, chart)),
        (statement["lines"][1]["id"], _bank_line(p1, chart)),
    }
    assert all(m["method"] == "auto" for m in result["matched"])
    assert result["unmatched_statement_line_ids"] == [statement["lines"][2]["id"]]


async def test_auto_match_is_idempotent(api: LedgerApi, chart: Chart) -> None:
    await _deposit(api, chart, "100.00", 2)
    statement = await _statement(api, chart.bank, [("2024-06-03", "100.00")])
    assert len((await _auto(api, statement))["matched"]) == 1
    again = await _auto(api, statement)
    assert again == {"matched": [], "unmatched_statement_line_ids": []}


@pytest.mark.parametrize(("window", "matched"), [(0, 0), (2, 0), (3, 1), (10, 1)])
async def test_auto_match_window(api: LedgerApi, chart: Chart, window: int, matched: int) -> None:
    await _deposit(api, chart, "55.00", 1)
    statement = await _statement(api, chart.bank, [("2024-06-04", "55.00")])
    result = await _auto(api, statement, window_days=window)
    assert len(result["matched"]) == matched


async def test_auto_match_window_bounds(api: LedgerApi, chart: Chart) -> None:
    statement = await _statement(api, chart.bank, [("2024-06-04", "55.00")])
    url = f"/statements/{statement['id']}/auto-match"
    assert (await api.client.post(url, params={"window_days": -1})).status_code == 422
    assert (await api.client.post(url, params={"window_days": 32})).status_code == 422


async def test_auto_match_skips_voided_entries(api: LedgerApi, chart: Chart) -> None:
    entry = await _deposit(api, chart, "60.00", 2)
    expect(await api.client.post(f"/journal-entries/{entry['id']}/void"), 200)
    statement = await _statement(api, chart.bank, [("2024-06-02", "60.00")])
    assert (await _auto(api, statement))["matched"] == []


async def test_reconciled_entry_cannot_be_voided(api: LedgerApi, chart: Chart) -> None:
    entry = await _deposit(api, chart, "60.00", 2)
    statement = await _statement(api, chart.bank, [("2024-06-02", "60.00")])
    await _auto(api, statement)
    response = await api.client.post(f"/journal-entries/{entry['id']}/void")
    assert response.status_code == 409
    assert error_code(response) == "conflict"


async def test_summary_fully_reconciled(api: LedgerApi, chart: Chart) -> None:
    await _deposit(api, chart, "300.00", 1)
    await _payment(api, chart, "120.00", 15)
    statement = await _statement(
        api, chart.bank, [("2024-06-01", "300.00"), ("2024-06-15", "-120.00")]
    )
    before = await _summary(api, statement)
    assert before["unmatched_count"] == 2
    assert before["is_reconciled"] is False
    await _auto(api, statement)
    after = await _summary(api, statement)
    assert after["matched_count"] == 2
    assert after["unmatched_count"] == 0
    assert Decimal(after["ledger_balance"]) == 180
    assert Decimal(after["difference"]) == 0
    assert after["is_reconciled"] is True


async def test_summary_reports_differences(api: LedgerApi, chart: Chart) -> None:
    await _deposit(api, chart, "300.00", 1)
    statement = await _statement(
        api, chart.bank, [("2024-06-01", "300.00"), ("2024-06-20", "-15.00")]
    )
    await _auto(api, statement)
    summary = await _summary(api, statement)
    assert summary["unmatched_count"] == 1
    assert Decimal(summary["unmatched_amount"]) == Decimal("-15")
    assert Decimal(summary["closing_balance"]) == 285
    assert Decimal(summary["ledger_balance"]) == 300
    assert Decimal(summary["difference"]) == -15
    assert summary["is_reconciled"] is False


async def test_summary_ignores_entries_after_statement_date(api: LedgerApi, chart: Chart) -> None:
    await _deposit(api, chart, "300.00", 1)
    await api.transfer(chart.book, chart.bank, chart.sales, "999", entry_date=dt.date(2024, 7, 2))
    statement = await _statement(api, chart.bank, [("2024-06-01", "300.00")])
    summary = await _summary(api, statement)
    assert Decimal(summary["ledger_balance"]) == 300


async def test_match_endpoints_validate_payload(client: httpx.AsyncClient) -> None:
    assert (await client.post("/matches", json={"statement_line_id": 1})).status_code == 422
    assert (await client.post("/matches", json={})).status_code == 422
