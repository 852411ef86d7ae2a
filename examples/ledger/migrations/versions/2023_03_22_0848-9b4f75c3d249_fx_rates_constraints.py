"""fx rates: one rate per pair and day, positive, distinct pair

Revision ID: 9b4f75c3d249
Revises: 9031d7496688
Create Date: 2023-03-22 08:48:11.090153+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "9b4f75c3d249"
down_revision: str | None = "9031d7496688"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fx_rates") as batch_op:
        batch_op.create_unique_constraint(
            op.f("uq_fx_rates_base_currency_quote_currency_as_of"),
            ["base_currency", "quote_currency", "as_of"],
        )
        batch_op.create_check_constraint(op.f("ck_fx_rates_rate_positive"), "rate > 0")
        batch_op.create_check_constraint(
            op.f("ck_fx_rates_distinct_pair"), "base_currency <> quote_currency"
        )


def downgrade() -> None:
    with op.batch_alter_table("fx_rates") as batch_op:
        batch_op.drop_constraint(op.f("ck_fx_rates_distinct_pair"), type_="check")
        batch_op.drop_constraint(op.f("ck_fx_rates_rate_positive"), type_="check")
    # On MySQL the unique index also serves fk_fx_rates_base_currency.
    with op.batch_alter_table("fx_rates") as batch_op:
        batch_op.drop_constraint(op.f("fk_fx_rates_base_currency"), type_="foreignkey")
    with op.batch_alter_table("fx_rates") as batch_op:
        batch_op.drop_constraint(
            op.f("uq_fx_rates_base_currency_quote_currency_as_of"), type_="unique"
        )
    with op.batch_alter_table("fx_rates") as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_fx_rates_base_currency"), "currencies", ["base_currency"], ["code"]
        )
