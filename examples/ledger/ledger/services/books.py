"""Books: one set of books (chart of accounts + journal) per legal entity."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.errors import Conflict, NotFound
from ledger.models import Book
from ledger.services import currencies


async def create_book(session: AsyncSession, *, name: str, base_currency: str) -> Book:
    await currencies.require_active(session, base_currency)
    if await session.scalar(select(Book.id).where(Book.name == name)) is not None:
        raise Conflict(f"a book named {name!r} already exists")
    book = Book(name=name, base_currency=base_currency.upper())
    session.add(book)
    await session.flush()
    return book


async def get_book(session: AsyncSession, book_id: int) -> Book:
    book = await session.get(Book, book_id)
    if book is None:
        raise NotFound(f"book {book_id} does not exist")
    return book


async def list_books(session: AsyncSession) -> Sequence[Book]:
    return (await session.scalars(select(Book).order_by(Book.id))).all()
