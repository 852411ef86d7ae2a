"""create bank statements

Revision ID: f48b5f6915b6
Revises: a6251aea5b68
Create Date: 2023-09-12 14:08:19.371155+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f48b5f6915b6"
down_revision: str | None = "a6251aea5b68"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=False),
        sa.Column("opening_balance", sa.Numeric(20, 4), nullable=False),
        sa.Column("closing_balance", sa.Numeric(20, 4), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_bank_statements_account_id")
        ),
        sa.UniqueConstraint(
            "account_id", "reference", name=op.f("uq_bank_statements_account_id_reference")
        ),
    )


def downgrade() -> None:
    op.drop_table("bank_statements")
