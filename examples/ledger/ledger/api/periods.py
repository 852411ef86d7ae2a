from __future__ import annotations

from fastapi import APIRouter, status

from ledger import schemas
from ledger.api.deps import SessionDep
from ledger.models import FiscalPeriod
from ledger.services import periods

router = APIRouter(tags=["periods"])


@router.post(
    "/books/{book_id}/periods",
    response_model=schemas.PeriodOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_period(
    book_id: int, payload: schemas.PeriodCreate, session: SessionDep
) -> FiscalPeriod:
    period = await periods.create_period(
        session,
        book_id=book_id,
        name=payload.name,
        start_date=payload.start_date,
        end_date=payload.end_date,
    )
    await session.commit()
    return period


@router.get("/books/{book_id}/periods", response_model=list[schemas.PeriodOut])
async def list_periods(book_id: int, session: SessionDep) -> list[FiscalPeriod]:
    return list(await periods.list_periods(session, book_id=book_id))


@router.get("/periods/{period_id}", response_model=schemas.PeriodOut)
async def get_period(period_id: int, session: SessionDep) -> FiscalPeriod:
    return await periods.get_period(session, period_id)


@router.post("/periods/{period_id}/close", response_model=schemas.PeriodOut)
async def close_period(period_id: int, session: SessionDep) -> FiscalPeriod:
    period = await periods.close_period(session, period_id)
    await session.commit()
    return period


@router.post("/periods/{period_id}/reopen", response_model=schemas.PeriodOut)
async def reopen_period(period_id: int, session: SessionDep) -> FiscalPeriod:
    period = await periods.reopen_period(session, period_id)
    await session.commit()
    return period
