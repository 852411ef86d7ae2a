"""seed reference currencies

Revision ID: fd2e09cf2002
Revises: 9b2438eb7cf5
Create Date: 2023-02-06 11:27:03.104922+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fd2e09cf2002"
down_revision: str | None = "9b2438eb7cf5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

currencies = sa.table(
    "currencies",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("decimal_places", sa.Integer),
)

SEED = [
    ("USD", "US Dollar", 2),
    ("EUR", "Euro", 2),
    ("GBP", "Pound Sterling", 2),
    ("JPY", "Yen", 0),
    ("CHF", "Swiss Franc", 2),
    ("CAD", "Canadian Dollar", 2),
    ("AUD", "Australian Dollar", 2),
    ("NZD", "New Zealand Dollar", 2),
    ("SEK", "Swedish Krona", 2),
    ("NOK", "Norwegian Krone", 2),
    ("DKK", "Danish Krone", 2),
    ("PLN", "Zloty", 2),
    ("CZK", "Czech Koruna", 2),
    ("HKD", "Hong Kong Dollar", 2),
    ("SGD", "Singapore Dollar", 2),
    ("CNY", "Yuan Renminbi", 2),
    ("INR", "Indian Rupee", 2),
    ("BRL", "Brazilian Real", 2),
    ("MXN", "Mexican Peso", 2),
    ("ZAR", "Rand", 2),
    ("KRW", "Won", 0),
]


def upgrade() -> None:
    op.bulk_insert(
        currencies,
        [{"code": code, "name": name, "decimal_places": dp} for code, name, dp in SEED],
    )


def downgrade() -> None:
    op.execute(currencies.delete().where(currencies.c.code.in_([row[0] for row in SEED])))
