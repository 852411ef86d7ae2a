"""Inserts: every test starts from empty tables, so a count proves the isolation held."""

from __future__ import annotations

import pytest
from models import Author, Book
from sqlalchemy import func, select
from sqlalchemy.orm import Session


@pytest.mark.parametrize("n", range(40))
def test_insert_author_is_alone(session: Session, n: int) -> None:
    session.add(Author(email=f"a{n}@example.org", name=f"Author {n}"))
    session.flush()
    assert session.scalar(select(func.count()).select_from(Author)) == 1


@pytest.mark.parametrize("n", range(20))
def test_insert_books_committed(session: Session, n: int) -> None:
    author = Author(email=f"b{n}@example.org", name="B")
    author.books = [Book(title=f"T{i}", price_cents=i * 100) for i in range(n % 5 + 1)]
    session.add(author)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Book)) == n % 5 + 1


@pytest.mark.parametrize("n", range(10))
def test_bulk_insert(session: Session, n: int) -> None:
    session.add_all(Author(email=f"c{n}_{i}@example.org", name="C") for i in range(50))
    session.flush()
    assert session.scalar(select(func.count()).select_from(Author)) == 50
