"""fx rates: record where a rate came from

Revision ID: 802cc1d553c8
Revises: a2377a721167
Create Date: 2024-11-27 16:04:31.610487+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "802cc1d553c8"
down_revision: str | None = "a2377a721167"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fx_rates") as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fx_rates") as batch_op:
        batch_op.drop_column("source")
