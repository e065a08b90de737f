"""One registration per CURP, and the officer's registration date (issue 16).

The unique constraint fails on a database that already holds two registrations of one CURP:
merge them first (one person, one pseudonym).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 19:05:00.000000
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
    with op.batch_alter_table("officer") as batch_op:
        batch_op.add_column(sa.Column("registered_on", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_officer_curp"), ["curp"])


def downgrade() -> None:
    with op.batch_alter_table("officer") as batch_op:
        batch_op.drop_constraint(op.f("uq_officer_curp"), type_="unique")
        batch_op.drop_column("registered_on")
