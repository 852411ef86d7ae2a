"""create bank statement lines

Revision ID: eef902240b32
Revises: f48b5f6915b6
Create Date: 2023-09-12 15:22:47.016264+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eef902240b32"
down_revision: str | None = "f48b5f6915b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_statement_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("txn_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(20, 4), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_lines")),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["bank_statements.id"],
            name=op.f("fk_bank_statement_lines_statement_id"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "statement_id",
            "external_id",
            name=op.f("uq_bank_statement_lines_statement_id_external_id"),
        ),
    )
    op.create_index(op.f("ix_bank_statement_lines_txn_date"), "bank_statement_lines", ["txn_date"])


def downgrade() -> None:
    op.drop_table("bank_statement_lines")
