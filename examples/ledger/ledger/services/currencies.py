"""Currencies (ISO 4217-style codes with their minor-unit decimal places)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound, ValidationFailed
from ledger.models import Account, Book, Currency, FxRate, JournalLine


async def list_currencies(
    session: AsyncSession, *, active_only: bool = False
) -> Sequence[Currency]:
    stmt = select(Currency).order_by(Currency.code)
    if active_only:
        stmt = stmt.where(Currency.is_active.is_(True))
    return (await session.scalars(stmt)).all()


async def get_currency(session: AsyncSession, code: str) -> Currency:
    currency = await session.get(Currency, code.upper())
    if currency is None:
        raise NotFound(f"currency {code!r} does not exist")
    return currency


async def require_active(session: AsyncSession, code: str) -> Currency:
    currency = await session.get(Currency, code.upper())
    if currency is None:
        raise ValidationFailed(f"unknown currency {code!r}")
    if not currency.is_active:
        raise ValidationFailed(f"currency {code} is inactive")
    return currency


async def decimal_places(session: AsyncSession, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = await session.execute(
        select(Currency.code, Currency.decimal_places).where(Currency.code.in_(sorted(codes)))
    )
    return dict(rows.all())


async def create_currency(
    session: AsyncSession,
    *,
    code: str,
    name: str,
    decimal_places: int,
    symbol: str | None = None,
) -> Currency:
    code = code.upper()
    if await session.get(Currency, code) is not None:
        raise Conflict(f"currency {code} already exists")
    currency = Currency(
        code=code, name=name, decimal_places=decimal_places, symbol=symbol, is_active=True
    )
    session.add(currency)
    await session.flush()
    return currency


async def update_currency(
    session: AsyncSession,
    code: str,
    *,
    name: str | None = None,
    symbol: str | None = None,
    is_active: bool | None = None,
) -> Currency:
    currency = await get_currency(session, code)
    if name is not None:
        currency.name = name
    if symbol is not None:
        currency.symbol = symbol
    if is_active is not None:
        if not is_active and await _used_as_base(session, currency.code):
            raise Conflict(f"currency {currency.code} is the base currency of a book")
        currency.is_active = is_active
    await session.flush()
    return currency


async def _used_as_base(session: AsyncSession, code: str) -> bool:
    return bool(await session.scalar(select(exists().where(Book.base_currency == code))))


async def is_in_use(session: AsyncSession, code: str) -> bool:
    checks = [
        exists().where(Book.base_currency == code),
        exists().where(Account.currency == code),
        exists().where(JournalLine.currency == code),
        exists().where(or_(FxRate.base_currency == code, FxRate.quote_currency == code)),
    ]
    for check in checks:
        if await session.scalar(select(check)):
            return True
    return False


async def delete_currency(session: AsyncSession, code: str) -> None:
    currency = await get_currency(session, code)
    if await is_in_use(session, currency.code):
        raise Conflict(f"currency {currency.code} is in use and cannot be deleted")
    await session.delete(currency)
    await session.flush()
