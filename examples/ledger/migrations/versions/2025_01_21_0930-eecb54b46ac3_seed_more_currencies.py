"""seed three-decimal and zero-decimal currencies for the Gulf and Nordic entities

Revision ID: eecb54b46ac3
Revises: 802cc1d553c8
Create Date: 2025-01-21 09:30:14.998230+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eecb54b46ac3"
down_revision: str | None = "802cc1d553c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

currencies = sa.table(
    "currencies",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("decimal_places", sa.Integer),
    sa.column("symbol", sa.String),
)

SEED = [
    ("KWD", "Kuwaiti Dinar", 3, "KD"),
    ("BHD", "Bahraini Dinar", 3, "BD"),
    ("JOD", "Jordanian Dinar", 3, "JD"),
    ("OMR", "Rial Omani", 3, "RO"),
    ("TND", "Tunisian Dinar", 3, "DT"),
    ("ISK", "Iceland Krona", 0, "kr"),
    ("CLP", "Chilean Peso", 0, "CLP$"),
    ("AED", "UAE Dirham", 2, "AED"),
    ("SAR", "Saudi Riyal", 2, "SAR"),
]


def upgrade() -> None:
    op.bulk_insert(
        currencies,
        [
            {"code": code, "name": name, "decimal_places": dp, "symbol": symbol}
            for code, name, dp, symbol in SEED
        ],
    )


def downgrade() -> None:
    op.execute(currencies.delete().where(currencies.c.code.in_([row[0] for row in SEED])))
