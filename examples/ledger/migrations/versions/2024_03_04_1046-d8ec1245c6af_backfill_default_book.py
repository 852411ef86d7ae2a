"""add book_id to accounts and journal entries; backfill a Default book

Installations that predate multi-entity support get a single 'Default' book
(base currency USD) that owns every existing account and entry.  Fresh
databases get no book at all.

Revision ID: d8ec1245c6af
Revises: 37ed628db829
Create Date: 2024-03-04 10:46:55.802440+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "d8ec1245c6af"
down_revision: str | None = "37ed628db829"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

books = sa.table(
    "books",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("base_currency", sa.String),
)
accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("book_id", sa.Integer))
journal_entries = sa.table(
    "journal_entries", sa.column("id", sa.Integer), sa.column("book_id", sa.Integer)
)

DEFAULT_BOOK = "Default"


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(sa.Column("book_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.add_column(sa.Column("book_id", sa.Integer(), nullable=True))

    if context.is_offline_mode():
        return
    bind = op.get_bind()
    existing = bind.execute(sa.select(sa.func.count()).select_from(accounts)).scalar_one()
    existing += bind.execute(sa.select(sa.func.count()).select_from(journal_entries)).scalar_one()
    if not existing:
        return
    bind.execute(books.insert().values(name=DEFAULT_BOOK, base_currency="USD"))
    book_id = bind.execute(sa.select(books.c.id).where(books.c.name == DEFAULT_BOOK)).scalar_one()
    bind.execute(accounts.update().values(book_id=book_id))
    bind.execute(journal_entries.update().values(book_id=book_id))


def downgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.drop_column("book_id")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("book_id")
    op.execute(books.delete().where(books.c.name == DEFAULT_BOOK))
