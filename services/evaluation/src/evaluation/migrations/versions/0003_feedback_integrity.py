"""Who teaches each offering and which enrolments have answered its feedback (ADR 0077).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_offering",
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("instructors", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("offering_id", name=op.f("pk_known_offering")),
    )
    op.create_table(
        "feedback_answered",
        sa.Column("enrolment_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("enrolment_id", name=op.f("pk_feedback_answered")),
    )


def downgrade() -> None:
    op.drop_table("feedback_answered")
    op.drop_table("known_offering")
