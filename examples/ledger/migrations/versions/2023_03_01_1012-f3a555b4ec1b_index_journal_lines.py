"""index journal lines by entry and account

Ledger and trial-balance queries were doing sequential scans once the
lines table passed a few hundred thousand rows.

Revision ID: f3a555b4ec1b
Revises: 5fb9b1e61748
Create Date: 2023-03-01 10:12:09.551862+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "f3a555b4ec1b"
down_revision: str | None = "5fb9b1e61748"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_journal_lines_entry_id"), "journal_lines", ["entry_id"])
    op.create_index(op.f("ix_journal_lines_account_id"), "journal_lines", ["account_id"])


def downgrade() -> None:
    # MySQL needs an index on FK columns, so recreate-then-drop is not an option:
    # the FKs keep their implicit indexes once ours are gone.
    with op.batch_alter_table("journal_lines") as batch_op:
        batch_op.drop_constraint(op.f("fk_journal_lines_account_id"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_journal_lines_entry_id"), type_="foreignkey")
    op.drop_index(op.f("ix_journal_lines_account_id"), table_name="journal_lines")
    op.drop_index(op.f("ix_journal_lines_entry_id"), table_name="journal_lines")
    with op.batch_alter_table("journal_lines") as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_journal_lines_entry_id"),
            "journal_entries",
            ["entry_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            op.f("fk_journal_lines_account_id"), "accounts", ["account_id"], ["id"]
        )
