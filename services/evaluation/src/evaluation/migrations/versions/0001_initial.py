"""Initial: evaluation's tables, inbox and outbox as the service created them before migrations.

Reviewed against ``create_all``: the same columns, types, nullability, indexes and unique
constraints; only the constraint names are new (``NAMING_CONVENTION``).

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:06:51.387879
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
        "competency_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("catalogue_version", sa.String(length=4), nullable=False),
        sa.Column("competency", sa.String(length=64), nullable=False),
        sa.Column("knowledge_score", sa.Float(), nullable=False),
        sa.Column("practical_result", sa.String(length=10), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("evaluator_id", sa.String(length=64), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competency_result")),
        sa.UniqueConstraint(
            "officer_id",
            "catalogue_version",
            "competency",
            "evaluator_id",
            "evaluated_on",
            name=op.f("uq_competency_result_officer_id"),
        ),
    )
    op.create_index(
        op.f("ix_competency_result_officer_id"), "competency_result", ["officer_id"], unique=False
    )
    op.create_table(
        "component_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=2), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("scale_max", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component_result")),
        sa.UniqueConstraint(
            "officer_id", "component", "source_key", name=op.f("uq_component_result_officer_id")
        ),
    )
    op.create_index(
        op.f("ix_component_result_officer_id"), "component_result", ["officer_id"], unique=False
    )
    op.create_table(
        "cup_component",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", "component", name=op.f("pk_cup_component")),
    )
    op.create_index(
        "ix_cup_component_status_until", "cup_component", ["status", "valid_until"], unique=False
    )
    op.create_table(
        "cup_eligibility",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_cup_eligibility")),
    )
    op.create_table(
        "expiry_alert",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=2), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("alerted_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "officer_id", "component", "valid_until", "days_before", name=op.f("pk_expiry_alert")
        ),
    )
    op.create_table(
        "held_intake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("event_source", sa.String(length=500), nullable=False),
        sa.Column("event_time", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_intake")),
        sa.UniqueConstraint("event_id", name=op.f("uq_held_intake_event_id")),
    )
    op.create_index(op.f("ix_held_intake_officer_id"), "held_intake", ["officer_id"], unique=False)
    op.create_index(
        op.f("ix_held_intake_received_on"), "held_intake", ["received_on"], unique=False
    )
    op.create_table(
        "instructor_certification",
        sa.Column("instructor_id", sa.String(length=64), nullable=False),
        sa.Column("competency", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "instructor_id", "competency", "valid_from", name=op.f("pk_instructor_certification")
        ),
    )
    op.create_table(
        "known_enrolment",
        sa.Column("enrolment_id", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("enrolment_id", name=op.f("pk_known_enrolment")),
    )
    op.create_index(
        op.f("ix_known_enrolment_officer_id"), "known_enrolment", ["officer_id"], unique=False
    )
    op.create_table(
        "known_officer",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("municipality", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_known_officer")),
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
    op.create_table(
        "scheduled_assessment",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=2), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", "component", name=op.f("pk_scheduled_assessment")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_assessment")
    op.drop_table("processed_message")
    op.drop_table("outbox")
    op.drop_table("known_officer")
    op.drop_index(op.f("ix_known_enrolment_officer_id"), table_name="known_enrolment")
    op.drop_table("known_enrolment")
    op.drop_table("instructor_certification")
    op.drop_index(op.f("ix_held_intake_received_on"), table_name="held_intake")
    op.drop_index(op.f("ix_held_intake_officer_id"), table_name="held_intake")
    op.drop_table("held_intake")
    op.drop_table("expiry_alert")
    op.drop_table("cup_eligibility")
    op.drop_index("ix_cup_component_status_until", table_name="cup_component")
    op.drop_table("cup_component")
    op.drop_index(op.f("ix_component_result_officer_id"), table_name="component_result")
    op.drop_table("component_result")
    op.drop_index(op.f("ix_competency_result_officer_id"), table_name="competency_result")
    op.drop_table("competency_result")
