"""create books (one set of books per legal entity)

Revision ID: 37ed628db829
Revises: acb6f14eee26
Create Date: 2024-03-04 10:00:12.337095+00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "37ed628db829"
down_revision: str | None = "acb6f14eee26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "books",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books")),
        sa.ForeignKeyConstraint(
            ["base_currency"], ["currencies.code"], name=op.f("fk_books_base_currency")
        ),
        sa.UniqueConstraint("name", name=op.f("uq_books_name")),
    )


def downgrade() -> None:
    op.drop_table("books")
