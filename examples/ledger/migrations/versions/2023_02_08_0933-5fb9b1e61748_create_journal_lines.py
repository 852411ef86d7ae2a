"""create journal lines

Revision ID: 5fb9b1e61748
Revises: 961f5da7ff20
Create Date: 2023-02-08 09:33:50.661207+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5fb9b1e61748"
down_revision: str | None = "961f5da7ff20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journal_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("debit", sa.Numeric(20, 4), server_default="0", nullable=False),
        sa.Column("credit", sa.Numeric(20, 4), server_default="0", nullable=False),
        sa.Column("memo", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_lines")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_lines_entry_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_journal_lines_account_id")
        ),
        sa.ForeignKeyConstraint(
            ["currency"], ["currencies.code"], name=op.f("fk_journal_lines_currency")
        ),
    )


def downgrade() -> None:
    op.drop_table("journal_lines")
