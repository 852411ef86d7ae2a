"""account hierarchy: accounts.parent_id

Revision ID: 0494539e03bc
Revises: 9b4f75c3d249
Create Date: 2023-05-11 11:30:58.417336+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0494539e03bc"
down_revision: str | None = "9b4f75c3d249"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(op.f("ix_accounts_parent_id"), ["parent_id"])
        batch_op.create_foreign_key(
            op.f("fk_accounts_parent_id"), "accounts", ["parent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_constraint(op.f("fk_accounts_parent_id"), type_="foreignkey")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_index(op.f("ix_accounts_parent_id"))
        batch_op.drop_column("parent_id")
