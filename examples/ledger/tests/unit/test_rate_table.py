from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.errors import RateNotFound
from ledger.services.fx import RateTable

JAN1 = dt.date(2024, 1, 1)
FEB1 = dt.date(2024, 2, 1)
MAR1 = dt.date(2024, 3, 1)


@pytest.fixture
def table() -> RateTable:
    return RateTable(
        [
            ("EUR", "USD", JAN1, Decimal("1.10")),
            ("EUR", "USD", FEB1, Decimal("1.08")),
            ("GBP", "USD", JAN1, Decimal("1.25")),
            ("USD", "JPY", JAN1, Decimal("145")),
            ("CHF", "EUR", MAR1, Decimal("1.05")),
            ("EUR", "CHF", FEB1, Decimal("0.96")),
        ]
    )


def test_same_currency_is_one(table: RateTable) -> None:
    assert table.rate("SEK", "SEK", JAN1) == 1


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (JAN1, Decimal("1.10")),
        (dt.date(2024, 1, 31), Decimal("1.10")),
        (FEB1, Decimal("1.08")),
        (dt.date(2030, 1, 1), Decimal("1.08")),
    ],
)
def test_direct_rate_uses_latest_on_or_before(
    table: RateTable, on: dt.date, expected: Decimal
) -> None:
    assert table.rate("EUR", "USD", on) == expected


def test_no_rate_before_first_quote(table: RateTable) -> None:
    with pytest.raises(RateNotFound, match="EUR/USD"):
        table.rate("EUR", "USD", dt.date(2023, 12, 31))


def test_inverse_rate(table: RateTable) -> None:
    assert table.rate("USD", "EUR", JAN1) == Decimal("0.9090909091")


def test_inverse_rate_is_rounded_to_ten_places(table: RateTable) -> None:
    rate = table.rate("JPY", "USD", JAN1)
    assert rate == Decimal("0.0068965517")
    assert rate.as_tuple().exponent == -10


def test_more_recent_inverse_beats_stale_direct(table: RateTable) -> None:
    # CHF/EUR quoted 1 March, EUR/CHF quoted 1 Feb: on 1 March the CHF/EUR quote wins.
    assert table.rate("EUR", "CHF", MAR1) == Decimal("0.9523809524")
    assert table.rate("EUR", "CHF", FEB1) == Decimal("0.96")


def test_cross_rate_through_pivot(table: RateTable) -> None:
    # EUR -> USD -> JPY
    assert table.rate("EUR", "JPY", FEB1) == Decimal("156.6")


def test_cross_rate_through_pivot_with_inverse_leg(table: RateTable) -> None:
    # GBP -> USD (direct) and USD -> EUR (inverse of EUR/USD)
    assert table.rate("GBP", "EUR", JAN1) == Decimal("1.1363636364")


def test_missing_pair_raises(table: RateTable) -> None:
    with pytest.raises(RateNotFound):
        table.rate("SEK", "NOK", JAN1)


def test_find_returns_none_instead_of_raising(table: RateTable) -> None:
    assert table.find("SEK", "NOK", JAN1) is None


@pytest.mark.parametrize(
    ("amount", "places", "expected"),
    [
        (Decimal("100"), 2, Decimal("110.00")),
        (Decimal("0.01"), 2, Decimal("0.01")),
        (Decimal("12.345"), 2, Decimal("13.58")),
        (Decimal("12.345"), None, Decimal("13.57950")),
    ],
)
def test_convert(table: RateTable, amount: Decimal, places: int | None, expected: Decimal) -> None:
    assert table.convert(amount, "EUR", "USD", JAN1, places=places) == expected


def test_rows_need_not_be_sorted() -> None:
    table = RateTable(
        [
            ("EUR", "USD", FEB1, Decimal("2")),
            ("EUR", "USD", JAN1, Decimal("1")),
            ("EUR", "USD", MAR1, Decimal("3")),
        ]
    )
    assert [table.rate("EUR", "USD", d) for d in (JAN1, FEB1, MAR1)] == [1, 2, 3]


def test_custom_pivot() -> None:
    table = RateTable(
        [("SEK", "EUR", JAN1, Decimal("0.1")), ("EUR", "NOK", JAN1, Decimal("11"))],
        pivot="EUR",
    )
    assert table.rate("SEK", "NOK", JAN1) == Decimal("1.1")


def test_no_triangulation_when_pivot_is_an_end() -> None:
    table = RateTable([("EUR", "GBP", JAN1, Decimal("0.85"))])
    assert table.find("USD", "GBP", JAN1) is None
