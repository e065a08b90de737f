"""The earliest expiry last published with each officer's eligibility (ADR 0075), so a renewal
that moves it is published again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 18:40:00.000000
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
    with op.batch_alter_table("cup_eligibility") as batch_op:
        batch_op.add_column(sa.Column("earliest_expiry", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cup_eligibility") as batch_op:
        batch_op.drop_column("earliest_expiry")
