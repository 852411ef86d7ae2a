from __future__ import annotations

from fastapi import APIRouter, Response, status

from ledger import schemas
from ledger.api.deps import SessionDep
from ledger.models import Currency
from ledger.services import currencies

router = APIRouter(prefix="/currencies", tags=["currencies"])


@router.get("", response_model=list[schemas.CurrencyOut])
async def list_currencies(session: SessionDep, active: bool = False) -> list[Currency]:
    return list(await currencies.list_currencies(session, active_only=active))


@router.post("", response_model=schemas.CurrencyOut, status_code=status.HTTP_201_CREATED)
async def create_currency(payload: schemas.CurrencyCreate, session: SessionDep) -> Currency:
    currency = await currencies.create_currency(
        session,
        code=payload.code,
        name=payload.name,
        decimal_places=payload.decimal_places,
        symbol=payload.symbol,
    )
    await session.commit()
    return currency


@router.get("/{code}", response_model=schemas.CurrencyOut)
async def get_currency(code: str, session: SessionDep) -> Currency:
    return await currencies.get_currency(session, code)


@router.patch("/{code}", response_model=schemas.CurrencyOut)
async def update_currency(
    code: str, payload: schemas.CurrencyUpdate, session: SessionDep
) -> Currency:
    currency = await currencies.update_currency(
        session, code, name=payload.name, symbol=payload.symbol, is_active=payload.is_active
    )
    await session.commit()
    return currency


@router.delete("/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_currency(code: str, session: SessionDep) -> Response:
    await currencies.delete_currency(session, code)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
