"""accounts: is_active flag and free-text description

Revision ID: ecf0a0f654ff
Revises: 0494539e03bc
Create Date: 2023-05-30 16:17:24.733001+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ecf0a0f654ff"
down_revision: str | None = "0494539e03bc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(
            sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("description")
        batch_op.drop_column("is_active")
