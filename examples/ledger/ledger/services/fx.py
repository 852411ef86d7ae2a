"""FX rates: storage, lookup (direct, inverse, cross via a pivot) and conversion.

A stored row ``(base, quote, as_of, rate)`` means ``1 base = rate quote`` from
``as_of`` until the next stored rate for the pair.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import NotFound, RateNotFound, ValidationFailed
from ledger.models import FxRate
from ledger.services import currencies
from ledger.services.money import quantize

PIVOT_CURRENCY = "USD"
RATE_PLACES = 10

RateRow = tuple[str, str, dt.date, Decimal]


class RateTable:
    """In-memory rate lookup, used by reports that convert many amounts."""

    def __init__(self, rows: Iterable[RateRow], *, pivot: str = PIVOT_CURRENCY) -> None:
        self.pivot = pivot
        series: dict[tuple[str, str], list[tuple[dt.date, Decimal]]] = {}
        for base, quote, as_of, rate in rows:
            series.setdefault((base, quote), []).append((as_of, Decimal(rate)))
        self._dates: dict[tuple[str, str], list[dt.date]] = {}
        self._rates: dict[tuple[str, str], list[Decimal]] = {}
        for pair, points in series.items():
            points.sort(key=lambda point: point[0])
            self._dates[pair] = [d for d, _ in points]
            self._rates[pair] = [r for _, r in points]

    def _latest(self, base: str, quote: str, as_of: dt.date) -> tuple[dt.date, Decimal] | None:
        dates = self._dates.get((base, quote))
        if not dates:
            return None
        index = bisect_right(dates, as_of)
        if index == 0:
            return None
        return dates[index - 1], self._rates[(base, quote)][index - 1]

    def _direct(self, base: str, quote: str, as_of: dt.date) -> Decimal | None:
        """Direct or inverse rate, whichever was quoted more recently (direct on a tie)."""
        direct = self._latest(base, quote, as_of)
        inverse = self._latest(quote, base, as_of)
        if direct is not None and (inverse is None or direct[0] >= inverse[0]):
            return direct[1]
        if inverse is not None:
            return quantize(Decimal(1) / inverse[1], RATE_PLACES)
        return None

    def find(self, base: str, quote: str, as_of: dt.date) -> Decimal | None:
        if base == quote:
            return Decimal(1)
        rate = self._direct(base, quote, as_of)
        if rate is not None:
            return rate
        if self.pivot not in (base, quote):
            to_pivot = self._direct(base, self.pivot, as_of)
            from_pivot = self._direct(self.pivot, quote, as_of)
            if to_pivot is not None and from_pivot is not None:
                return quantize(to_pivot * from_pivot, RATE_PLACES)
        return None

    def rate(self, base: str, quote: str, as_of: dt.date) -> Decimal:
        rate = self.find(base, quote, as_of)
        if rate is None:
            raise RateNotFound(f"no {base}/{quote} rate on or before {as_of.isoformat()}")
        return rate

    def convert(
        self, amount: Decimal, base: str, quote: str, as_of: dt.date, *, places: int | None = None
    ) -> Decimal:
        converted = amount * self.rate(base, quote, as_of)
        return converted if places is None else quantize(converted, places)


async def load_rate_table(
    session: AsyncSession, codes: Iterable[str], *, until: dt.date | None = None
) -> RateTable:
    """Load every rate touching ``codes`` (plus the pivot) into a :class:`RateTable`."""
    wanted = sorted({*codes, PIVOT_CURRENCY})
    stmt = select(FxRate.base_currency, FxRate.quote_currency, FxRate.as_of, FxRate.rate).where(
        or_(FxRate.base_currency.in_(wanted), FxRate.quote_currency.in_(wanted))
    )
    if until is not None:
        stmt = stmt.where(FxRate.as_of <= until)
    rows = (await session.execute(stmt)).all()
    return RateTable(rows)


async def set_rate(
    session: AsyncSession,
    *,
    base: str,
    quote: str,
    as_of: dt.date,
    rate: Decimal,
    source: str | None = None,
) -> FxRate:
    """Insert or replace the rate for a pair on a day."""
    if base == quote:
        raise ValidationFailed("base and quote currency must differ")
    if rate <= 0:
        raise ValidationFailed("rate must be positive")
    await currencies.require_active(session, base)
    await currencies.require_active(session, quote)
    existing = await session.scalar(
        select(FxRate).where(
            FxRate.base_currency == base, FxRate.quote_currency == quote, FxRate.as_of == as_of
        )
    )
    rate = quantize(rate, RATE_PLACES)
    if existing is not None:
        existing.rate = rate
        existing.source = source
        await session.flush()
        return existing
    row = FxRate(base_currency=base, quote_currency=quote, as_of=as_of, rate=rate, source=source)
    session.add(row)
    await session.flush()
    return row


async def list_rates(
    session: AsyncSession,
    *,
    base: str | None = None,
    quote: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Sequence[FxRate]:
    conditions = []
    if base is not None:
        conditions.append(FxRate.base_currency == base)
    if quote is not None:
        conditions.append(FxRate.quote_currency == quote)
    if date_from is not None:
        conditions.append(FxRate.as_of >= date_from)
    if date_to is not None:
        conditions.append(FxRate.as_of <= date_to)
    stmt = (
        select(FxRate)
        .where(*conditions)
        .order_by(FxRate.base_currency, FxRate.quote_currency, FxRate.as_of)
    )
    return (await session.scalars(stmt)).all()


async def delete_rate(session: AsyncSession, rate_id: int) -> None:
    row = await session.get(FxRate, rate_id)
    if row is None:
        raise NotFound(f"fx rate {rate_id} does not exist")
    await session.delete(row)
    await session.flush()


async def get_rate(session: AsyncSession, base: str, quote: str, as_of: dt.date) -> Decimal:
    await currencies.get_currency(session, base)
    await currencies.get_currency(session, quote)
    table = await load_rate_table(session, [base, quote], until=as_of)
    return table.rate(base, quote, as_of)


async def convert(
    session: AsyncSession, amount: Decimal, base: str, quote: str, as_of: dt.date
) -> tuple[Decimal, Decimal]:
    """Convert ``amount`` of ``base`` into ``quote``; returns (rate, converted amount)."""
    target = await currencies.get_currency(session, quote)
    rate = await get_rate(session, base, quote, as_of)
    return rate, quantize(amount * rate, target.decimal_places)
