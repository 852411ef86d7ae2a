from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import NotFound, RateNotFound, ValidationFailed
from ledger.services import currencies, fx
from tests.helpers import LedgerApi

DAY = dt.date(2024, 4, 1)


@pytest.fixture
async def codes(session: AsyncSession, api: LedgerApi) -> tuple[str, str]:
    made = []
    for places in (2, 3):
        code = await api.free_currency_code()
        await currencies.create_currency(session, code=code, name=code, decimal_places=places)
        await session.commit()
        made.append(code)
    return made[0], made[1]


async def test_set_and_get(session: AsyncSession, codes: tuple[str, str]) -> None:
    a, b = codes
    await fx.set_rate(session, base=a, quote=b, as_of=DAY, rate=Decimal("3.5"))
    await session.commit()
    assert await fx.get_rate(session, a, b, DAY) == Decimal("3.5")
    assert await fx.get_rate(session, b, a, DAY) == Decimal("0.2857142857")


async def test_rate_is_stored_at_ten_places(session: AsyncSession, codes: tuple[str, str]) -> None:
    a, b = codes
    row = await fx.set_rate(session, base=a, quote=b, as_of=DAY, rate=Decimal("1.123456789012"))
    assert row.rate == Decimal("1.1234567890")


async def test_upsert_keeps_one_row(session: AsyncSession, codes: tuple[str, str]) -> None:
    a, b = codes
    await fx.set_rate(session, base=a, quote=b, as_of=DAY, rate=Decimal(1))
    await fx.set_rate(session, base=a, quote=b, as_of=DAY, rate=Decimal(2), source="manual")
    rows = await fx.list_rates(session, base=a, quote=b)
    assert [(r.rate, r.source) for r in rows] == [(Decimal(2), "manual")]


@pytest.mark.parametrize(("rate", "message"), [(Decimal(0), "positive"), (Decimal(-1), "positive")])
async def test_set_rate_validation(
    session: AsyncSession, codes: tuple[str, str], rate: Decimal, message: str
) -> None:
    a, b = codes
    with pytest.raises(ValidationFailed, match=message):
        await fx.set_rate(session, base=a, quote=b, as_of=DAY, rate=rate)


async def test_same_pair(session: AsyncSession, codes: tuple[str, str]) -> None:
    with pytest.raises(ValidationFailed, match="differ"):
        await fx.set_rate(session, base=codes[0], quote=codes[0], as_of=DAY, rate=Decimal(1))


async def test_convert_quantizes_to_target(session: AsyncSession, codes: tuple[str, str]) -> None:
    a, b = codes  # b has 3 decimal places
    await fx.set_rate(session, base=a, quote=b, as_of=DAY, rate=Decimal("0.3333"))
    rate, converted = await fx.convert(session, Decimal("10.01"), a, b, DAY)
    assert rate == Decimal("0.3333")
    assert converted == Decimal("3.336")


async def test_missing_rate(session: AsyncSession, codes: tuple[str, str]) -> None:
    with pytest.raises(RateNotFound):
        await fx.get_rate(session, codes[0], codes[1], DAY)


async def test_unknown_currency(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await fx.get_rate(session, "AAA", "USD", DAY)


async def test_rate_table_only_loads_until_date(
    session: AsyncSession, codes: tuple[str, str]
) -> None:
    a, b = codes
    await fx.set_rate(session, base=a, quote=b, as_of=DAY, rate=Decimal(1))
    await fx.set_rate(session, base=a, quote=b, as_of=DAY + dt.timedelta(days=10), rate=Decimal(2))
    table = await fx.load_rate_table(session, [a, b], until=DAY + dt.timedelta(days=5))
    assert table.rate(a, b, DAY + dt.timedelta(days=30)) == 1


async def test_delete_rate(session: AsyncSession, codes: tuple[str, str]) -> None:
    a, b = codes
    row = await fx.set_rate(session, base=a, quote=b, as_of=DAY, rate=Decimal(1))
    await fx.delete_rate(session, row.id)
    assert await fx.list_rates(session, base=a) == []
    with pytest.raises(NotFound):
        await fx.delete_rate(session, row.id)
