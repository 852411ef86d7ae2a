"""ORM models.

This module must stay importable without a configured database: Alembic's
``env.py`` imports it for ``target_metadata``, so it never touches settings.
Constraint and index names are spelled out in the migrations and must match
the names produced by :data:`NAMING_CONVENTION` here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

ACCOUNT_TYPES = ("asset", "liability", "equity", "income", "expense")
DEBIT_NORMAL_TYPES = frozenset({"asset", "expense"})
ENTRY_STATUSES = ("draft", "posted", "void")
MATCH_METHODS = ("auto", "manual")

Money = Numeric(20, 4)
Rate = Numeric(20, 10)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on every backend.

    PostgreSQL keeps the offset (timestamptz); SQLite and MySQL store naive
    values, so they are written as UTC wall time and tagged as UTC when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware (UTC) datetime")
        value = value.astimezone(dt.timezone.utc)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Currency(Base):
    __tablename__ = "currencies"
    __table_args__ = (
        CheckConstraint("decimal_places >= 0 AND decimal_places <= 4", name="decimal_places"),
    )

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    decimal_places: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str | None] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, server_default=func.current_timestamp()
    )


class FxRate(Base):
    __tablename__ = "fx_rates"
    __table_args__ = (
        UniqueConstraint("base_currency", "quote_currency", "as_of"),
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("base_currency <> quote_currency", name="distinct_pair"),
        Index("ix_fx_rates_quote_currency_as_of", "quote_currency", "as_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    base_currency: Mapped[str] = mapped_column(ForeignKey("currencies.code"))
    quote_currency: Mapped[str] = mapped_column(ForeignKey("currencies.code"))
    rate: Mapped[Decimal] = mapped_column(Rate)
    as_of: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(32))


class Book(Base):
    """A set of books (one legal entity) with its own chart of accounts."""

    __tablename__ = "books"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_currency: Mapped[str] = mapped_column(ForeignKey("currencies.code"))
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, server_default=func.current_timestamp()
    )


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("book_id", "code"),
        CheckConstraint(
            "type IN ('asset', 'liability', 'equity', 'income', 'expense')", name="type"
        ),
        Index("ix_accounts_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(ForeignKey("currencies.code"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, server_default=func.current_timestamp()
    )

    @property
    def debit_normal(self) -> bool:
        return self.type in DEBIT_NORMAL_TYPES


class FiscalPeriod(Base):
    __tablename__ = "fiscal_periods"
    __table_args__ = (
        UniqueConstraint("book_id", "name"),
        CheckConstraint("start_date <= end_date", name="date_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    name: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class JournalEntry(Base):
    __tablename__ = "journal_entries"
    __table_args__ = (
        UniqueConstraint("book_id", "reference"),
        CheckConstraint("status IN ('draft', 'posted', 'void')", name="status"),
        Index("ix_journal_entries_book_id_entry_date", "book_id", "entry_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(255))
    reference: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="posted", server_default="posted")
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reversal_of_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, server_default=func.current_timestamp()
    )

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        order_by="JournalLine.line_no",
        lazy="selectin",
    )


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="non_negative"),
        CheckConstraint("debit = 0 OR credit = 0", name="one_side"),
        Index("ix_journal_lines_entry_id", "entry_id"),
        Index("ix_journal_lines_account_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(ForeignKey("currencies.code"))
    debit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    memo: Mapped[str | None] = mapped_column(String(255))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines", lazy="raise")


class BankStatement(Base):
    __tablename__ = "bank_statements"
    __table_args__ = (UniqueConstraint("account_id", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    reference: Mapped[str] = mapped_column(String(64))
    statement_date: Mapped[dt.date] = mapped_column(Date)
    opening_balance: Mapped[Decimal] = mapped_column(Money)
    closing_balance: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, server_default=func.current_timestamp()
    )

    lines: Mapped[list[BankStatementLine]] = relationship(
        back_populates="statement",
        cascade="all, delete-orphan",
        order_by="BankStatementLine.id",
        lazy="selectin",
    )


class BankStatementLine(Base):
    __tablename__ = "bank_statement_lines"
    __table_args__ = (
        UniqueConstraint("statement_id", "external_id"),
        Index("ix_bank_statement_lines_txn_date", "txn_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id", ondelete="CASCADE"))
    txn_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(String(255))
    external_id: Mapped[str] = mapped_column(String(64))

    statement: Mapped[BankStatement] = relationship(back_populates="lines", lazy="raise")


class ReconciliationMatch(Base):
    __tablename__ = "reconciliation_matches"
    __table_args__ = (CheckConstraint("method IN ('auto', 'manual')", name="method"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_line_id: Mapped[int] = mapped_column(
        ForeignKey("bank_statement_lines.id", ondelete="CASCADE"), unique=True
    )
    journal_line_id: Mapped[int] = mapped_column(
        ForeignKey("journal_lines.id", ondelete="CASCADE"), unique=True
    )
    method: Mapped[str] = mapped_column(String(16))
    matched_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, server_default=func.current_timestamp()
    )
