from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.services.money import (
    ZERO,
    allocate,
    fits_places,
    quantize,
    quantum,
    signed_balance,
    split_balance,
    to_decimal,
    total,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Decimal(0)),
        (Decimal("1.50"), Decimal("1.50")),
        (3, Decimal(3)),
        ("12.3400", Decimal("12.34")),
        (0.1, Decimal("0.1")),
        (2.675, Decimal("2.675")),
        ("-7", Decimal(-7)),
    ],
)
def test_to_decimal(value: object, expected: Decimal) -> None:
    assert to_decimal(value) == expected


def test_to_decimal_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a decimal"):
        to_decimal("twelve")


def test_to_decimal_rejects_unknown_types() -> None:
    with pytest.raises(TypeError):
        to_decimal(object())


@pytest.mark.parametrize(
    ("places", "expected"), [(0, Decimal(1)), (2, Decimal("0.01")), (3, Decimal("0.001"))]
)
def test_quantum(places: int, expected: Decimal) -> None:
    assert quantum(places) == expected


@pytest.mark.parametrize(
    ("amount", "places", "expected"),
    [
        ("2.675", 2, "2.68"),
        ("2.665", 2, "2.67"),
        ("-2.675", 2, "-2.68"),
        ("1234.5", 0, "1235"),
        ("0.0005", 3, "0.001"),
        ("10", 2, "10.00"),
    ],
)
def test_quantize_rounds_half_up(amount: str, places: int, expected: str) -> None:
    result = quantize(Decimal(amount), places)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("amount", "places", "fits"),
    [
        ("100", 0, True),
        ("100.5", 0, False),
        ("100.50", 2, True),
        ("100.505", 2, False),
        ("1.2340", 3, True),
        ("1.2345", 3, False),
    ],
)
def test_fits_places(amount: str, places: int, fits: bool) -> None:
    assert fits_places(Decimal(amount), places) is fits


@pytest.mark.parametrize(
    ("debit", "credit", "debit_normal", "expected"),
    [
        ("100", "40", True, "60"),
        ("100", "40", False, "-60"),
        ("0", "25", False, "25"),
        ("0", "25", True, "-25"),
    ],
)
def test_signed_balance(debit: str, credit: str, debit_normal: bool, expected: str) -> None:
    assert signed_balance(Decimal(debit), Decimal(credit), debit_normal=debit_normal) == Decimal(
        expected
    )


def test_split_balance() -> None:
    assert split_balance(Decimal(5)) == (Decimal(5), ZERO)
    assert split_balance(Decimal(-5)) == (ZERO, Decimal(5))
    assert split_balance(ZERO) == (ZERO, ZERO)


def test_total_of_nothing_is_zero() -> None:
    assert total([]) == ZERO
    assert total([Decimal("1.1"), Decimal("2.2")]) == Decimal("3.3")


@pytest.mark.parametrize(
    ("amount", "weights", "places", "expected"),
    [
        ("100.00", [1, 1, 1], 2, ["33.34", "33.33", "33.33"]),
        ("0.05", [1, 1], 2, ["0.03", "0.02"]),
        ("10", [3, 1], 0, ["8", "2"]),
        ("-100.00", [1, 1, 1], 2, ["-33.34", "-33.33", "-33.33"]),
        ("1.000", [1, 2, 3, 4], 3, ["0.100", "0.200", "0.300", "0.400"]),
        ("7", [0, 1], 0, ["0", "7"]),
    ],
)
def test_allocate(amount: str, weights: list[int], places: int, expected: list[str]) -> None:
    parts = allocate(Decimal(amount), weights, places)
    assert parts == [Decimal(e) for e in expected]
    assert sum(parts) == Decimal(amount)


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_rejects_bad_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError, match="weights"):
        allocate(Decimal(10), weights, 2)


def test_allocate_rejects_amounts_finer_than_places() -> None:
    with pytest.raises(ValueError, match="decimal places"):
        allocate(Decimal("1.005"), [1, 1], 2)
