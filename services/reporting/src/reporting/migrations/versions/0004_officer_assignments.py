"""Officer assignment history (ADR 0095): each officer counts in a period under the
assignment in force in it. Officers already stored get one assignment, their current one,
from the earliest date (as they were counted before).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:00:00.000000
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(9999, 12, 31)


def upgrade() -> None:
    table = op.create_table(
        "officer_assignment",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("join_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("municipality", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("registration", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", "valid_from"),
    )
    o = sa.table(
        "officer_dim",
        sa.column("officer_id", sa.String()),
        sa.column("municipality", sa.Integer()),
        sa.column("level", sa.String()),
        sa.column("status", sa.String()),
        sa.column("as_of", sa.BigInteger()),
    )
    rows = [
        {
            "officer_id": r[0],
            "valid_from": EARLIEST,
            "join_from": EARLIEST,
            "valid_to": LATEST,
            "municipality": r[1],
            "level": r[2],
            "status": r[3],
            "registration": True,
            "as_of": r[4],
        }
        for r in op.get_bind().execute(
            sa.select(o.c.officer_id, o.c.municipality, o.c.level, o.c.status, o.c.as_of)
        )
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("officer_assignment")
