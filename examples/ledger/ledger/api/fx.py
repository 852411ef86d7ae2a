from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ledger import schemas
from ledger.api.deps import SessionDep
from ledger.models import FxRate
from ledger.services import fx

router = APIRouter(prefix="/fx-rates", tags=["fx"])

Code = Annotated[str, Query(pattern=r"^[A-Z]{3}$")]


@router.get("", response_model=list[schemas.FxRateOut])
async def list_rates(
    session: SessionDep,
    base: Code | None = None,
    quote: Code | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[FxRate]:
    return list(
        await fx.list_rates(session, base=base, quote=quote, date_from=date_from, date_to=date_to)
    )


@router.put("", response_model=schemas.FxRateOut)
async def set_rate(payload: schemas.FxRateIn, session: SessionDep) -> FxRate:
    row = await fx.set_rate(
        session,
        base=payload.base_currency,
        quote=payload.quote_currency,
        as_of=payload.as_of,
        rate=payload.rate,
        source=payload.source,
    )
    await session.commit()
    return row


@router.delete("/{rate_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rate(rate_id: int, session: SessionDep) -> Response:
    await fx.delete_rate(session, rate_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/rate", response_model=schemas.RateQuoteOut)
async def get_rate(
    session: SessionDep, base: Code, quote: Code, on: dt.date
) -> schemas.RateQuoteOut:
    rate = await fx.get_rate(session, base, quote, on)
    return schemas.RateQuoteOut(base_currency=base, quote_currency=quote, as_of=on, rate=rate)


@router.get("/convert", response_model=schemas.ConversionOut)
async def convert(
    session: SessionDep,
    amount: Annotated[Decimal, Query(max_digits=20, decimal_places=4)],
    from_currency: Annotated[str, Query(alias="from", pattern=r"^[A-Z]{3}$")],
    to_currency: Annotated[str, Query(alias="to", pattern=r"^[A-Z]{3}$")],
    on: dt.date,
) -> schemas.ConversionOut:
    rate, converted = await fx.convert(session, amount, from_currency, to_currency, on)
    return schemas.ConversionOut(
        amount=amount,
        from_currency=from_currency,
        to_currency=to_currency,
        as_of=on,
        rate=rate,
        converted=converted,
    )
