from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from ledger import schemas
from ledger.api.deps import SessionDep
from ledger.models import JournalEntry
from ledger.services import journal
from ledger.services.journal import LineSpec

router = APIRouter(tags=["journal"])


@router.post(
    "/books/{book_id}/journal-entries",
    response_model=schemas.JournalEntryOut,
    status_code=status.HTTP_201_CREATED,
)
async def create_entry(
    book_id: int, payload: schemas.JournalEntryCreate, session: SessionDep
) -> JournalEntry:
    entry = await journal.create_entry(
        session,
        book_id=book_id,
        entry_date=payload.entry_date,
        description=payload.description,
        reference=payload.reference,
        post=payload.status == "posted",
        lines=[
            LineSpec(
                account_id=line.account_id,
                debit=line.debit,
                credit=line.credit,
                currency=line.currency,
                memo=line.memo,
            )
            for line in payload.lines
        ],
    )
    await session.commit()
    return entry


@router.get("/books/{book_id}/journal-entries", response_model=list[schemas.JournalEntryOut])
async def list_entries(
    book_id: int,
    session: SessionDep,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: Literal["draft", "posted", "void"] | None = None,
    account_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[JournalEntry]:
    return list(
        await journal.list_entries(
            session,
            book_id=book_id,
            date_from=date_from,
            date_to=date_to,
            status=status,
            account_id=account_id,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/journal-entries/{entry_id}", response_model=schemas.JournalEntryOut)
async def get_entry(entry_id: int, session: SessionDep) -> JournalEntry:
    return await journal.get_entry(session, entry_id)


@router.delete("/journal-entries/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_entry(entry_id: int, session: SessionDep) -> Response:
    await journal.delete_entry(session, entry_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/journal-entries/{entry_id}/post", response_model=schemas.JournalEntryOut)
async def post_entry(entry_id: int, session: SessionDep) -> JournalEntry:
    entry = await journal.post_entry(session, entry_id)
    await session.commit()
    return entry


@router.post("/journal-entries/{entry_id}/void", response_model=schemas.JournalEntryOut)
async def void_entry(entry_id: int, session: SessionDep) -> JournalEntry:
    entry = await journal.void_entry(session, entry_id)
    await session.commit()
    return entry


@router.post(
    "/journal-entries/{entry_id}/reverse",
    response_model=schemas.JournalEntryOut,
    status_code=status.HTTP_201_CREATED,
)
async def reverse_entry(
    entry_id: int, session: SessionDep, payload: schemas.ReverseRequest | None = None
) -> JournalEntry:
    request = payload or schemas.ReverseRequest()
    entry = await journal.reverse_entry(
        session, entry_id, entry_date=request.entry_date, description=request.description
    )
    await session.commit()
    return entry
