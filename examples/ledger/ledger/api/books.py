from __future__ import annotations

from fastapi import APIRouter, status

from ledger import schemas
from ledger.api.deps import SessionDep
from ledger.models import Book
from ledger.services import books

router = APIRouter(prefix="/books", tags=["books"])


@router.post("", response_model=schemas.BookOut, status_code=status.HTTP_201_CREATED)
async def create_book(payload: schemas.BookCreate, session: SessionDep) -> Book:
    book = await books.create_book(session, name=payload.name, base_currency=payload.base_currency)
    await session.commit()
    return book


@router.get("", response_model=list[schemas.BookOut])
async def list_books(session: SessionDep) -> list[Book]:
    return list(await books.list_books(session))


@router.get("/{book_id}", response_model=schemas.BookOut)
async def get_book(book_id: int, session: SessionDep) -> Book:
    return await books.get_book(session, book_id)
