"""journal lines: amounts are non-negative and one-sided

Revision ID: 7ec2f1340687
Revises: 9e5f574bad8d
Create Date: 2023-07-18 13:44:02.905517+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "7ec2f1340687"
down_revision: str | None = "9e5f574bad8d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("journal_lines") as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_journal_lines_non_negative"), "debit >= 0 AND credit >= 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_journal_lines_one_side"), "debit = 0 OR credit = 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("journal_lines") as batch_op:
        batch_op.drop_constraint(op.f("ck_journal_lines_one_side"), type_="check")
        batch_op.drop_constraint(op.f("ck_journal_lines_non_negative"), type_="check")
