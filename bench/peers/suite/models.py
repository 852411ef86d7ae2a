"""The shared schema: SQLAlchemy 2 declarative models every peer's suite runs against.

Constraints of each kind (unique, foreign key, check, not null) so the suite's violation tests
exercise the server, not Python.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        UniqueConstraint("author_id", "title", name="one_title_per_author"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    title: Mapped[str] = mapped_column(String(200))
    price_cents: Mapped[int]
    author: Mapped[Author] = relationship(back_populates="books")


def build(url: str) -> None:
    """Create the schema at ``url`` (a SQLAlchemy URL with a blocking driver)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
