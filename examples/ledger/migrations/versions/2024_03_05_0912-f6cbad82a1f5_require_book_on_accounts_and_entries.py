"""require book_id; account codes and entry references are unique per book

Revision ID: f6cbad82a1f5
Revises: d8ec1245c6af
Create Date: 2024-03-05 09:12:40.116738+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6cbad82a1f5"
down_revision: str | None = "d8ec1245c6af"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.alter_column("book_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(op.f("uq_accounts_code"), type_="unique")
        batch_op.create_unique_constraint(op.f("uq_accounts_book_id_code"), ["book_id", "code"])
        batch_op.create_foreign_key(op.f("fk_accounts_book_id"), "books", ["book_id"], ["id"])
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.alter_column("book_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            op.f("ix_journal_entries_book_id_entry_date"), ["book_id", "entry_date"]
        )
        batch_op.create_unique_constraint(
            op.f("uq_journal_entries_book_id_reference"), ["book_id", "reference"]
        )
        batch_op.create_foreign_key(
            op.f("fk_journal_entries_book_id"), "books", ["book_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.drop_constraint(op.f("fk_journal_entries_book_id"), type_="foreignkey")
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.drop_constraint(op.f("uq_journal_entries_book_id_reference"), type_="unique")
        batch_op.drop_index(op.f("ix_journal_entries_book_id_entry_date"))
        batch_op.alter_column("book_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_constraint(op.f("fk_accounts_book_id"), type_="foreignkey")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_constraint(op.f("uq_accounts_book_id_code"), type_="unique")
        batch_op.create_unique_constraint(op.f("uq_accounts_code"), ["code"])
        batch_op.alter_column("book_id", existing_type=sa.Integer(), nullable=True)
