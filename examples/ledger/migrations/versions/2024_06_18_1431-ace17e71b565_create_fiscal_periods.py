"""create fiscal periods (period close)

Revision ID: ace17e71b565
Revises: f6cbad82a1f5
Create Date: 2024-06-18 14:31:07.964512+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ace17e71b565"
down_revision: str | None = "f6cbad82a1f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fiscal_periods",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("is_closed", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fiscal_periods")),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_fiscal_periods_book_id")),
        sa.UniqueConstraint("book_id", "name", name=op.f("uq_fiscal_periods_book_id_name")),
        sa.CheckConstraint("start_date <= end_date", name=op.f("ck_fiscal_periods_date_order")),
    )


def downgrade() -> None:
    op.drop_table("fiscal_periods")
