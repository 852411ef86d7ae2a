"""Constraint violations raised by the server; the session is usable again after rollback."""

from __future__ import annotations

import pytest
from models import Author, Book
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


@pytest.mark.parametrize("n", range(15))
def test_duplicate_email(session: Session, n: int) -> None:
    session.add(Author(email="same@example.org", name="first"))
    session.commit()
    session.add(Author(email="same@example.org", name="second"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Author)) == 1


@pytest.mark.parametrize("n", range(15))
def test_missing_author(session: Session, n: int) -> None:
    session.add(Book(author_id=10_000_000 + n, title="orphan", price_cents=1))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Book)) == 0


@pytest.mark.parametrize("n", range(15))
def test_negative_price(session: Session, n: int) -> None:
    author = Author(email=f"n{n}@example.org", name="N")
    author.books = [Book(title="cheap", price_cents=-1 - n)]
    session.add(author)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Author)) == 0


@pytest.mark.parametrize("n", range(15))
def test_duplicate_title_per_author(session: Session, n: int) -> None:
    author = Author(email=f"d{n}@example.org", name="D")
    session.add(author)
    session.commit()
    session.add(Book(author_id=author.id, title="same", price_cents=1))
    session.commit()
    session.add(Book(author_id=author.id, title="same", price_cents=2))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Book)) == 1
