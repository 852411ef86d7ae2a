"""create reconciliation matches

Revision ID: c4e013fbb70d
Revises: eef902240b32
Create Date: 2023-10-03 09:17:33.482920+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e013fbb70d"
down_revision: str | None = "eef902240b32"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("statement_line_id", sa.Integer(), nullable=False),
        sa.Column("journal_line_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column(
            "matched_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_matches")),
        sa.ForeignKeyConstraint(
            ["statement_line_id"],
            ["bank_statement_lines.id"],
            name=op.f("fk_reconciliation_matches_statement_line_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["journal_line_id"],
            ["journal_lines.id"],
            name=op.f("fk_reconciliation_matches_journal_line_id"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "statement_line_id", name=op.f("uq_reconciliation_matches_statement_line_id")
        ),
        sa.UniqueConstraint(
            "journal_line_id", name=op.f("uq_reconciliation_matches_journal_line_id")
        ),
        sa.CheckConstraint(
            "method IN ('auto', 'manual')", name=op.f("ck_reconciliation_matches_method")
        ),
    )


def downgrade() -> None:
    op.drop_table("reconciliation_matches")
