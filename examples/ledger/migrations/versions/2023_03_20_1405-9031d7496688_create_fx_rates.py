"""create fx rates

Revision ID: 9031d7496688
Revises: f3a555b4ec1b
Create Date: 2023-03-20 14:05:37.224410+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9031d7496688"
down_revision: str | None = "f3a555b4ec1b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("quote_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(20, 10), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
        sa.ForeignKeyConstraint(
            ["base_currency"], ["currencies.code"], name=op.f("fk_fx_rates_base_currency")
        ),
        sa.ForeignKeyConstraint(
            ["quote_currency"], ["currencies.code"], name=op.f("fk_fx_rates_quote_currency")
        ),
    )
    op.create_index(
        op.f("ix_fx_rates_quote_currency_as_of"), "fx_rates", ["quote_currency", "as_of"]
    )


def downgrade() -> None:
    op.drop_table("fx_rates")
