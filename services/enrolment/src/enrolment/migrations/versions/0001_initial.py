"""Initial: enrolment's tables, inbox and outbox as the service created them before migrations.

Reviewed against ``create_all``: the same columns, types, nullability, indexes and unique
constraints; only the constraint names are new (``NAMING_CONVENTION``).

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:06:48.300798
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendance",
        sa.Column("attendance_id", sa.String(length=64), nullable=False),
        sa.Column("enrolment_id", sa.String(length=64), nullable=False),
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("fact_event_id", sa.String(length=64), nullable=False),
        sa.Column("current_key", sa.String(length=130), nullable=True),
        sa.Column("voided_event_id", sa.String(length=64), nullable=True),
        sa.Column("void_reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("attendance_id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("current_key", name=op.f("uq_attendance_current_key")),
    )
    op.create_index(
        op.f("ix_attendance_enrolment_id"), "attendance", ["enrolment_id"], unique=False
    )
    op.create_index(op.f("ix_attendance_offering_id"), "attendance", ["offering_id"], unique=False)
    op.create_table(
        "course",
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("training_type", sa.String(length=40), nullable=False),
        sa.Column("planned_theory_hours", sa.Float(), nullable=False),
        sa.Column("planned_practice_hours", sa.Float(), nullable=False),
        sa.Column("definition", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "version", name=op.f("pk_course")),
    )
    op.create_table(
        "enrolment",
        sa.Column("enrolment_id", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("delivered_theory_hours", sa.Float(), nullable=True),
        sa.Column("delivered_practice_hours", sa.Float(), nullable=True),
        sa.Column("attendance_rate", sa.Float(), nullable=True),
        sa.Column("certificate_id", sa.String(length=64), nullable=True),
        sa.Column("outcome_reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("enrolment_id", name=op.f("pk_enrolment")),
        sa.UniqueConstraint("officer_id", "offering_id", name=op.f("uq_enrolment_officer_id")),
    )
    op.create_index(op.f("ix_enrolment_offering_id"), "enrolment", ["offering_id"], unique=False)
    op.create_index(op.f("ix_enrolment_officer_id"), "enrolment", ["officer_id"], unique=False)
    op.create_table(
        "offering",
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("campus", sa.String(length=40), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("definition", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("offering_id", name=op.f("pk_offering")),
    )
    op.create_index(op.f("ix_offering_course_id"), "offering", ["course_id"], unique=False)
    op.create_table(
        "offering_session",
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("session_type", sa.String(length=10), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("offering_id", "session_id", name=op.f("pk_offering_session")),
    )
    op.create_table(
        "officer",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("cuip", sa.String(length=30), nullable=False),
        sa.Column("curp", sa.String(length=18), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("corporation", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("municipality", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.String(length=200), nullable=False),
        sa.Column("hire_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("assigned_corporation", sa.String(length=200), nullable=False),
        sa.Column("assigned_rank", sa.String(length=200), nullable=False),
        sa.Column("assigned_level", sa.String(length=10), nullable=False),
        sa.Column("assigned_municipality", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_officer")),
    )
    op.create_index(op.f("ix_officer_cuip"), "officer", ["cuip"], unique=True)
    op.create_table(
        "officer_assignment_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("corporation", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("municipality", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("command_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer_assignment_change")),
    )
    op.create_index(
        op.f("ix_officer_assignment_change_officer_id"),
        "officer_assignment_change",
        ["officer_id"],
        unique=False,
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=249), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.Column("headers", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_table(
        "processed_message",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_message")),
    )


def downgrade() -> None:
    op.drop_table("processed_message")
    op.drop_table("outbox")
    op.drop_index(
        op.f("ix_officer_assignment_change_officer_id"), table_name="officer_assignment_change"
    )
    op.drop_table("officer_assignment_change")
    op.drop_index(op.f("ix_officer_cuip"), table_name="officer")
    op.drop_table("officer")
    op.drop_table("offering_session")
    op.drop_index(op.f("ix_offering_course_id"), table_name="offering")
    op.drop_table("offering")
    op.drop_index(op.f("ix_enrolment_officer_id"), table_name="enrolment")
    op.drop_index(op.f("ix_enrolment_offering_id"), table_name="enrolment")
    op.drop_table("enrolment")
    op.drop_table("course")
    op.drop_index(op.f("ix_attendance_offering_id"), table_name="attendance")
    op.drop_index(op.f("ix_attendance_enrolment_id"), table_name="attendance")
    op.drop_table("attendance")
