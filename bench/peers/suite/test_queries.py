"""Queries over a few rows each test writes: joins, aggregates, ordering."""

from __future__ import annotations

import pytest
from models import Author, Book
from sqlalchemy import func, select
from sqlalchemy.orm import Session


def _library(session: Session, authors: int, books: int) -> None:
    for a in range(authors):
        author = Author(email=f"q{a}@example.org", name=f"Q{a}")
        author.books = [Book(title=f"B{b}", price_cents=100 * (b + 1)) for b in range(books)]
        session.add(author)
    session.flush()


@pytest.mark.parametrize("authors", range(1, 6))
@pytest.mark.parametrize("books", range(1, 7))
def test_join_count(session: Session, authors: int, books: int) -> None:
    _library(session, authors, books)
    rows = session.execute(
        select(Author.name, func.count(Book.id)).join(Book).group_by(Author.name)
    ).all()
    assert len(rows) == authors
    assert {count for _, count in rows} == {books}


@pytest.mark.parametrize("books", range(1, 21))
def test_sum_of_prices(session: Session, books: int) -> None:
    _library(session, 1, books)
    total = session.scalar(select(func.sum(Book.price_cents)))
    assert total == 100 * books * (books + 1) // 2


@pytest.mark.parametrize("n", range(20))
def test_order_and_limit(session: Session, n: int) -> None:
    _library(session, 3, 4)
    titles = session.scalars(select(Book.title).order_by(Book.price_cents.desc()).limit(2)).all()
    assert titles == ["B3", "B3"]
    assert session.scalar(select(func.count()).select_from(Author)) == 3
