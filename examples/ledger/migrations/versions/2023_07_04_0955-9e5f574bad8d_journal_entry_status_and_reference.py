"""journal entries: draft/posted/void status, posting time, external reference

Existing entries were all effectively posted; backfill posted_at from created_at.

Revision ID: 9e5f574bad8d
Revises: ecf0a0f654ff
Create Date: 2023-07-04 09:55:40.118472+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e5f574bad8d"
down_revision: str | None = "ecf0a0f654ff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

journal_entries = sa.table(
    "journal_entries",
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("posted_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="posted", nullable=False)
        )
        batch_op.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_journal_entries_status"), "status IN ('draft', 'posted', 'void')"
        )
    op.execute(journal_entries.update().values(posted_at=journal_entries.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.drop_constraint(op.f("ck_journal_entries_status"), type_="check")
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.drop_column("posted_at")
        batch_op.drop_column("status")
        batch_op.drop_column("reference")
