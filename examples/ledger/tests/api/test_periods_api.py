from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.helpers import Chart, Json, LedgerApi, cr, dr, error_code, expect


async def _period(api: LedgerApi, book: Json, name: str, start: str, end: str) -> Json:
    return expect(
        await api.client.post(
            f"/books/{book['id']}/periods",
            json={"name": name, "start_date": start, "end_date": end},
        ),
        201,
    )


async def _close(api: LedgerApi, period: Json) -> Json:
    return expect(await api.client.post(f"/periods/{period['id']}/close"), 200)


async def test_create_period(api: LedgerApi, book: Json) -> None:
    period = await _period(api, book, "2024-01", "2024-01-01", "2024-01-31")
    assert period["is_closed"] is False
    assert period["closed_at"] is None
    assert expect(await api.client.get(f"/periods/{period['id']}"), 200) == period


async def test_list_periods_in_date_order(api: LedgerApi, book: Json) -> None:
    await _period(api, book, "Feb", "2024-02-01", "2024-02-29")
    await _period(api, book, "Jan", "2024-01-01", "2024-01-31")
    periods = expect(await api.client.get(f"/books/{book['id']}/periods"), 200)
    assert [p["name"] for p in periods] == ["Jan", "Feb"]


async def test_one_day_period(api: LedgerApi, book: Json) -> None:
    await _period(api, book, "day", "2024-01-01", "2024-01-01")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-01-15", "2024-02-15"),
        ("2023-12-15", "2024-01-01"),
        ("2024-01-31", "2024-01-31"),
        ("2023-01-01", "2025-01-01"),
    ],
)
async def test_overlapping_periods_conflict(
    api: LedgerApi, book: Json, start: str, end: str
) -> None:
    await _period(api, book, "Jan", "2024-01-01", "2024-01-31")
    response = await api.client.post(
        f"/books/{book['id']}/periods", json={"name": "X", "start_date": start, "end_date": end}
    )
    assert response.status_code == 409


async def test_duplicate_name_conflicts(api: LedgerApi, book: Json) -> None:
    await _period(api, book, "P1", "2024-01-01", "2024-01-31")
    response = await api.client.post(
        f"/books/{book['id']}/periods",
        json={"name": "P1", "start_date": "2024-02-01", "end_date": "2024-02-29"},
    )
    assert response.status_code == 409


async def test_end_before_start(api: LedgerApi, book: Json) -> None:
    response = await api.client.post(
        f"/books/{book['id']}/periods",
        json={"name": "bad", "start_date": "2024-02-01", "end_date": "2024-01-01"},
    )
    assert response.status_code == 422


async def test_periods_in_other_books_do_not_overlap(api: LedgerApi, book: Json) -> None:
    other = await api.create_book()
    await _period(api, book, "Jan", "2024-01-01", "2024-01-31")
    await _period(api, other, "Jan", "2024-01-01", "2024-01-31")


async def test_close_and_reopen(api: LedgerApi, book: Json) -> None:
    period = await _period(api, book, "Jan", "2024-01-01", "2024-01-31")
    closed = await _close(api, period)
    assert closed["is_closed"] is True
    assert closed["closed_at"] is not None
    reopened = expect(await api.client.post(f"/periods/{period['id']}/reopen"), 200)
    assert reopened["is_closed"] is False
    assert reopened["closed_at"] is None


async def test_close_twice_conflicts(api: LedgerApi, book: Json) -> None:
    period = await _period(api, book, "Jan", "2024-01-01", "2024-01-31")
    await _close(api, period)
    assert (await api.client.post(f"/periods/{period['id']}/close")).status_code == 409


async def test_reopen_open_period_conflicts(api: LedgerApi, book: Json) -> None:
    period = await _period(api, book, "Jan", "2024-01-01", "2024-01-31")
    assert (await api.client.post(f"/periods/{period['id']}/reopen")).status_code == 409


async def test_cannot_close_with_drafts(api: LedgerApi, chart: Chart) -> None:
    period = await _period(api, chart.book, "Jan", "2024-01-01", "2024-01-31")
    await api.transfer(
        chart.book, chart.cash, chart.capital, 1, status="draft", entry_date=dt.date(2024, 1, 9)
    )
    response = await api.client.post(f"/periods/{period['id']}/close")
    assert response.status_code == 409
    assert "draft" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (dt.date(2023, 12, 31), True),
        (dt.date(2024, 1, 1), False),
        (dt.date(2024, 1, 31), False),
        (dt.date(2024, 2, 1), True),
    ],
)
async def test_posting_into_closed_period(
    api: LedgerApi, chart: Chart, day: dt.date, allowed: bool
) -> None:
    period = await _period(api, chart.book, "Jan", "2024-01-01", "2024-01-31")
    await _close(api, period)
    response = await api.post_entry_raw(
        chart.book, [dr(chart.cash, 1), cr(chart.capital, 1)], entry_date=day
    )
    if allowed:
        assert response.status_code == 201
    else:
        assert response.status_code == 422
        assert error_code(response) == "period_closed"


async def test_cannot_void_in_closed_period(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(
        chart.book, chart.cash, chart.capital, 1, entry_date=dt.date(2024, 1, 10)
    )
    period = await _period(api, chart.book, "Jan", "2024-01-01", "2024-01-31")
    await _close(api, period)
    response = await api.client.post(f"/journal-entries/{entry['id']}/void")
    assert error_code(response) == "period_closed"


async def test_reverse_closed_entry_into_open_period(api: LedgerApi, chart: Chart) -> None:
    entry = await api.transfer(
        chart.book, chart.cash, chart.capital, 1, entry_date=dt.date(2024, 1, 10)
    )
    period = await _period(api, chart.book, "Jan", "2024-01-01", "2024-01-31")
    await _close(api, period)
    blocked = await api.client.post(f"/journal-entries/{entry['id']}/reverse")
    assert error_code(blocked) == "period_closed"
    allowed = await api.client.post(
        f"/journal-entries/{entry['id']}/reverse", json={"entry_date": "2024-02-01"}
    )
    assert allowed.status_code == 201


async def test_reopened_period_accepts_entries(api: LedgerApi, chart: Chart) -> None:
    period = await _period(api, chart.book, "Jan", "2024-01-01", "2024-01-31")
    await _close(api, period)
    expect(await api.client.post(f"/periods/{period['id']}/reopen"), 200)
    await api.transfer(chart.book, chart.cash, chart.capital, 1, entry_date=dt.date(2024, 1, 10))


async def test_missing_period(client: httpx.AsyncClient) -> None:
    assert (await client.get("/periods/987654321")).status_code == 404
    assert (await client.post("/periods/987654321/close")).status_code == 404
