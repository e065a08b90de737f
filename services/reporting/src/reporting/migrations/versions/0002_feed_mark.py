"""feed_mark: the (family, year) tables a batch changed, waiting for the timed feed refresh
(ADR 0051).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_mark",
        sa.Column("family", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("trace", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("family", "year", name=op.f("pk_feed_mark")),
    )


def downgrade() -> None:
    op.drop_table("feed_mark")
