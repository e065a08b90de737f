"""Cell-key record keys on officers, certifications and feedback responses (ADR 0070); the
keys of rows already stored are derived as the handlers derive them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reporting.domain.perturbation import record_key

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    ("officer_dim", "officer_id"),
    ("instructor_certified_fact", "event_id"),
    ("feedback_fact", "event_id"),
)


def upgrade() -> None:
    bind = op.get_bind()
    for table, source in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("record_key", sa.Integer(), nullable=False, server_default="0")
            )
        t = sa.table(table, sa.column(source, sa.String()), sa.column("record_key", sa.Integer()))
        for (identifier,) in bind.execute(sa.select(t.c[source])).all():
            key = record_key(identifier)
            bind.execute(t.update().where(t.c[source] == identifier).values(record_key=key))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("record_key", server_default=None)


def downgrade() -> None:
    for table, _ in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("record_key")
