"""Decimal helpers for money amounts."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

ZERO = Decimal(0)
STORAGE_PLACES = 4  # scale of the Numeric(20, 4) money columns


def to_decimal(value: object) -> Decimal:
    """Coerce a DB or user value to Decimal (floats go through ``str`` to avoid noise)."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (int, str)):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {value!r}") from None
    raise TypeError(f"cannot convert {type(value).__name__} to Decimal")


def quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def quantize(amount: Decimal, places: int) -> Decimal:
    """Round half-up to ``places`` decimal places."""
    return amount.quantize(quantum(places), rounding=ROUND_HALF_UP)


def stored(amount: Decimal) -> Decimal:
    """The amount as the database will hand it back (scale 4)."""
    return quantize(amount, STORAGE_PLACES)


def fits_places(amount: Decimal, places: int) -> bool:
    """True when ``amount`` needs no more than ``places`` decimal places."""
    return amount == amount.quantize(quantum(places), rounding=ROUND_HALF_UP)


def signed_balance(debit: Decimal, credit: Decimal, *, debit_normal: bool) -> Decimal:
    """Balance in the account's natural direction (positive = normal balance)."""
    return debit - credit if debit_normal else credit - debit


def split_balance(net_debit: Decimal) -> tuple[Decimal, Decimal]:
    """Split a net debit amount into (debit_balance, credit_balance) columns."""
    if net_debit >= 0:
        return net_debit, ZERO
    return ZERO, -net_debit


def total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def allocate(amount: Decimal, weights: list[int], places: int) -> list[Decimal]:
    """Split ``amount`` by integer ``weights`` so the parts add up exactly.

    Leftover units go to the parts with the largest fractional remainders
    (largest remainder method; ties go to the earlier part), which is what
    finance teams expect when splitting an invoice.
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    unit = quantum(places)
    scaled = amount / unit
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {places} decimal places")
    units = int(scaled)
    weight_sum = sum(weights)
    sign = 1 if units >= 0 else -1
    raw = [Fraction(abs(units) * w, weight_sum) for w in weights]
    floors = [math.floor(r) for r in raw]
    remainder = abs(units) - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (floors[i] - raw[i], i))
    for i in order[:remainder]:
        floors[i] += 1
    return [Decimal(sign * n) * unit for n in floors]
