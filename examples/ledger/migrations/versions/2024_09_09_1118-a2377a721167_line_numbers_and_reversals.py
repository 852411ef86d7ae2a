"""journal lines get a line number; entries can point at the entry they reverse

Revision ID: a2377a721167
Revises: ace17e71b565
Create Date: 2024-09-09 11:18:52.250981+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "a2377a721167"
down_revision: str | None = "ace17e71b565"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

journal_lines = sa.table(
    "journal_lines",
    sa.column("id", sa.Integer),
    sa.column("entry_id", sa.Integer),
    sa.column("line_no", sa.Integer),
)

BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("journal_lines") as batch_op:
        batch_op.add_column(sa.Column("line_no", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.add_column(sa.Column("reversal_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_journal_entries_reversal_of_id"), "journal_entries", ["reversal_of_id"], ["id"]
        )

    if context.is_offline_mode():
        return
    # Number existing lines 1..n within each entry, in id order.  Done client-side:
    # MySQL cannot UPDATE a table from a subquery over the same table.
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(journal_lines.c.id, journal_lines.c.entry_id).order_by(
            journal_lines.c.entry_id, journal_lines.c.id
        )
    ).all()
    updates: list[dict[str, int]] = []
    previous_entry: int | None = None
    number = 0
    for line_id, entry_id in rows:
        number = number + 1 if entry_id == previous_entry else 1
        previous_entry = entry_id
        updates.append({"b_id": line_id, "b_line_no": number})
    stmt = (
        journal_lines.update()
        .where(journal_lines.c.id == sa.bindparam("b_id"))
        .values(line_no=sa.bindparam("b_line_no"))
    )
    for start in range(0, len(updates), BATCH):
        bind.execute(stmt, updates[start : start + BATCH])


def downgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.drop_constraint(op.f("fk_journal_entries_reversal_of_id"), type_="foreignkey")
    with op.batch_alter_table("journal_entries") as batch_op:
        batch_op.drop_column("reversal_of_id")
    with op.batch_alter_table("journal_lines") as batch_op:
        batch_op.drop_column("line_no")
