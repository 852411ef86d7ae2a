"""accounts: restrict type to the five account classes

Revision ID: a6251aea5b68
Revises: 7ec2f1340687
Create Date: 2023-08-02 10:21:45.660093+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a6251aea5b68"
down_revision: str | None = "7ec2f1340687"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

accounts = sa.table("accounts", sa.column("type", sa.String))


def upgrade() -> None:
    # Early imports used capitalised types ("Asset"); normalise before constraining.
    op.execute(accounts.update().values(type=sa.func.lower(accounts.c.type)))
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_accounts_type"),
            "type IN ('asset', 'liability', 'equity', 'income', 'expense')",
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_constraint(op.f("ck_accounts_type"), type_="check")
