"""The API rejects every kind of malformed or unbalanced entry."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import Chart, Json, LedgerApi, cr, dr, error_code


@pytest.mark.parametrize(
    ("debit", "credit"),
    [("100", "99.99"), ("0.01", "0.02"), ("1000000", "999999.99"), ("5", "50")],
)
async def test_unbalanced_entry(api: LedgerApi, chart: Chart, debit: str, credit: str) -> None:
    response = await api.post_entry_raw(
        chart.book, [dr(chart.cash, debit), cr(chart.sales, credit)]
    )
    assert response.status_code == 422
    assert error_code(response) == "unbalanced_entry"


async def test_two_debits_do_not_balance(api: LedgerApi, chart: Chart) -> None:
    response = await api.post_entry_raw(chart.book, [dr(chart.cash, 5), dr(chart.rent, 5)])
    assert error_code(response) == "unbalanced_entry"


async def test_balanced_totals_in_different_currencies_do_not_balance(
    api: LedgerApi, chart: Chart
) -> None:
    eur = await api.create_account(chart.book, code="1020", currency="EUR")
    response = await api.post_entry_raw(chart.book, [dr(eur, 100), cr(chart.capital, 100)])
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "EUR" in message
    assert "USD" in message


@pytest.mark.parametrize("line_count", [0, 1])
async def test_needs_two_lines(api: LedgerApi, chart: Chart, line_count: int) -> None:
    lines = [dr(chart.cash, 1)][:line_count]
    response = await api.post_entry_raw(chart.book, lines)
    assert response.status_code == 422
    assert "at least two lines" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "bad_line",
    [
        {"debit": "-5"},
        {"credit": "-5"},
        {"debit": "abc"},
        {"debit": "1.00001"},
        {"debit": "1e30"},
        {"currency": "usd", "debit": "5"},
        {"memo": "m" * 256, "debit": "5"},
    ],
)
async def test_schema_level_line_validation(api: LedgerApi, chart: Chart, bad_line: Json) -> None:
    line = {"account_id": chart.cash["id"], **bad_line}
    response = await api.post_entry_raw(chart.book, [line, cr(chart.capital, 5)])
    assert response.status_code == 422
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"debit": "5", "credit": "5"}, "either a debit or a credit"),
        ({}, "must not be zero"),
        ({"debit": "0", "credit": "0"}, "must not be zero"),
        ({"debit": "5", "currency": "EUR"}, "kept in USD"),
        ({"debit": "5.001"}, "2 decimal places"),
    ],
)
async def test_domain_line_validation(
    api: LedgerApi, chart: Chart, line: Json, message: str
) -> None:
    response = await api.post_entry_raw(
        chart.book, [{"account_id": chart.cash["id"], **line}, cr(chart.capital, 5)]
    )
    assert response.status_code == 422
    assert error_code(response) == "validation_failed"
    assert message in response.json()["error"]["message"]


async def test_jpy_takes_no_decimals(api: LedgerApi, chart: Chart) -> None:
    jpy = await api.create_account(chart.book, code="1030", currency="JPY")
    jpy_eq = await api.create_account(chart.book, code="3030", type="equity", currency="JPY")
    response = await api.post_entry_raw(chart.book, [dr(jpy, "100.5"), cr(jpy_eq, "100.5")])
    assert response.status_code == 422
    assert "JPY amounts take 0 decimal places" in response.json()["error"]["message"]


async def test_unknown_account(api: LedgerApi, chart: Chart) -> None:
    response = await api.post_entry_raw(chart.book, [dr(987654321, 5), cr(chart.capital, 5)])
    assert response.status_code == 422
    assert "does not exist" in response.json()["error"]["message"]


async def test_account_from_another_book(api: LedgerApi, chart: Chart) -> None:
    other = await api.create_book()
    stranger = await api.create_account(other)
    response = await api.post_entry_raw(chart.book, [dr(stranger, 5), cr(chart.capital, 5)])
    assert response.status_code == 422
    assert "another book" in response.json()["error"]["message"]


async def test_inactive_account(api: LedgerApi, chart: Chart) -> None:
    await api.client.patch(f"/accounts/{chart.supplies['id']}", json={"is_active": False})
    response = await api.post_entry_raw(chart.book, [dr(chart.supplies, 5), cr(chart.cash, 5)])
    assert response.status_code == 422
    assert "inactive" in response.json()["error"]["message"]


async def test_missing_book(api: LedgerApi, chart: Chart) -> None:
    response = await api.post_entry_raw(987654321, [dr(chart.cash, 5), cr(chart.capital, 5)])
    assert response.status_code == 404


@pytest.mark.parametrize(
    "patch",
    [
        {"entry_date": "2024-02-30"},
        {"entry_date": None},
        {"description": ""},
        {"description": "d" * 256},
        {"reference": ""},
        {"status": "void"},
        {"lines": None},
    ],
)
async def test_entry_schema_validation(api: LedgerApi, chart: Chart, patch: Json) -> None:
    payload = api.entry_payload([dr(chart.cash, 5), cr(chart.capital, 5)])
    payload.update(patch)
    response = await api.client.post(f"/books/{chart.book['id']}/journal-entries", json=payload)
    assert response.status_code == 422


async def test_rejected_entry_leaves_no_trace(api: LedgerApi, chart: Chart) -> None:
    await api.post_entry_raw(
        chart.book, [dr(chart.cash, 5), cr(chart.capital, 4)], entry_date=dt.date(2024, 9, 9)
    )
    entries = await api.client.get(f"/books/{chart.book['id']}/journal-entries")
    assert entries.json() == []
    assert await api.balance(chart.cash) == 0
