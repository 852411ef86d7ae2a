"""currencies: display symbol, active flag, sane decimal places

Revision ID: acb6f14eee26
Revises: c4e013fbb70d
Create Date: 2024-01-15 11:03:26.540871+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "acb6f14eee26"
down_revision: str | None = "c4e013fbb70d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

currencies = sa.table(
    "currencies",
    sa.column("code", sa.String),
    sa.column("symbol", sa.String),
)

SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CHF": "CHF",
    "CAD": "C$",
    "AUD": "A$",
    "NZD": "NZ$",
    "SEK": "kr",
    "NOK": "kr",
    "DKK": "kr",
    "PLN": "zł",
    "CZK": "Kč",
    "HKD": "HK$",
    "SGD": "S$",
    "CNY": "¥",
    "INR": "₹",
    "BRL": "R$",
    "MXN": "MX$",
    "ZAR": "R",
    "KRW": "₩",
}


def upgrade() -> None:
    with op.batch_alter_table("currencies") as batch_op:
        batch_op.add_column(sa.Column("symbol", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_currencies_decimal_places"), "decimal_places >= 0 AND decimal_places <= 4"
        )
    for code, symbol in SYMBOLS.items():
        op.execute(currencies.update().where(currencies.c.code == code).values(symbol=symbol))


def downgrade() -> None:
    with op.batch_alter_table("currencies") as batch_op:
        batch_op.drop_constraint(op.f("ck_currencies_decimal_places"), type_="check")
    with op.batch_alter_table("currencies") as batch_op:
        batch_op.drop_column("is_active")
        batch_op.drop_column("symbol")
