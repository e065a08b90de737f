"""Initial: reporting's tables, inbox and outbox as the service created them before migrations.

Reviewed against ``create_all``: the same columns, types, nullability, indexes and unique
constraints; only the constraint names are new (``NAMING_CONVENTION``).

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:06:54.182513
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
        "attendance_fact",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("attendance_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("session_type", sa.String(length=10), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("attendance_id", name=op.f("pk_attendance_fact")),
    )
    op.create_index(
        op.f("ix_attendance_fact_event_id"), "attendance_fact", ["event_id"], unique=False
    )
    op.create_index(
        op.f("ix_attendance_fact_officer_id"), "attendance_fact", ["officer_id"], unique=False
    )
    op.create_index(op.f("ix_attendance_fact_year"), "attendance_fact", ["year"], unique=False)
    op.create_table(
        "competency_fact",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("catalogue_version", sa.String(length=4), nullable=False),
        sa.Column("competency", sa.String(length=64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "officer_id",
            "catalogue_version",
            "competency",
            "attempt",
            name=op.f("pk_competency_fact"),
        ),
    )
    op.create_index(op.f("ix_competency_fact_year"), "competency_fact", ["year"], unique=False)
    op.create_table(
        "course_dim",
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("training_type", sa.String(length=40), nullable=False),
        sa.Column("planned_theory_hours", sa.Float(), nullable=False),
        sa.Column("planned_practice_hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "version", name=op.f("pk_course_dim")),
    )
    op.create_table(
        "cup_status_fact",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_cup_status_fact")),
    )
    op.create_index(
        op.f("ix_cup_status_fact_officer_id"), "cup_status_fact", ["officer_id"], unique=False
    )
    op.create_table(
        "eligibility_fact",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("earliest_expiry", sa.Date(), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_eligibility_fact")),
    )
    op.create_index(
        op.f("ix_eligibility_fact_officer_id"), "eligibility_fact", ["officer_id"], unique=False
    )
    op.create_table(
        "enrolment_fact",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("enrolment_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("enrolment_id", name=op.f("pk_enrolment_fact")),
    )
    op.create_index(
        op.f("ix_enrolment_fact_event_id"), "enrolment_fact", ["event_id"], unique=False
    )
    op.create_index(
        op.f("ix_enrolment_fact_officer_id"), "enrolment_fact", ["officer_id"], unique=False
    )
    op.create_index(op.f("ix_enrolment_fact_year"), "enrolment_fact", ["year"], unique=False)
    op.create_table(
        "expiry_alert_fact",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=2), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("days_left", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("alerted_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "officer_id", "component", "valid_until", "days_left", name=op.f("pk_expiry_alert_fact")
        ),
    )
    op.create_index(op.f("ix_expiry_alert_fact_year"), "expiry_alert_fact", ["year"], unique=False)
    op.create_table(
        "feedback_fact",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("instructor_id", sa.String(length=64), nullable=False),
        sa.Column("relevance", sa.Integer(), nullable=False),
        sa.Column("balance", sa.String(length=20), nullable=False),
        sa.Column("instructor_rating", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_feedback_fact")),
    )
    op.create_index(
        op.f("ix_feedback_fact_offering_id"), "feedback_fact", ["offering_id"], unique=False
    )
    op.create_index(op.f("ix_feedback_fact_year"), "feedback_fact", ["year"], unique=False)
    op.create_table(
        "finding",
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("scope_ref", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.String(length=4000), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("finding_id", name=op.f("pk_finding")),
    )
    op.create_index(op.f("ix_finding_status"), "finding", ["status"], unique=False)
    op.create_table(
        "finding_change",
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=4000), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("finding_id", "seq", name=op.f("pk_finding_change")),
    )
    op.create_table(
        "instructor_certified_fact",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("instructor_id", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("competencies", sa.String(length=4000), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_instructor_certified_fact")),
    )
    op.create_index(
        op.f("ix_instructor_certified_fact_instructor_id"),
        "instructor_certified_fact",
        ["instructor_id"],
        unique=False,
    )
    op.create_table(
        "offering_dim",
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("offering_id", name=op.f("pk_offering_dim")),
    )
    op.create_table(
        "offering_instructor",
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("instructor_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(
            "offering_id", "instructor_id", name=op.f("pk_offering_instructor")
        ),
    )
    op.create_table(
        "officer_dim",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("municipality", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_officer_dim")),
    )
    op.create_index(
        op.f("ix_officer_dim_municipality"), "officer_dim", ["municipality"], unique=False
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
        "outcome_fact",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("enrolment_id", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("offering_id", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=True),
        sa.Column("training_type", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=False),
        sa.Column("planned_theory_min", sa.Integer(), nullable=False),
        sa.Column("planned_min", sa.Integer(), nullable=False),
        sa.Column("delivered_theory_min", sa.Integer(), nullable=False),
        sa.Column("delivered_min", sa.Integer(), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_outcome_fact")),
    )
    op.create_index(
        op.f("ix_outcome_fact_enrolment_id"), "outcome_fact", ["enrolment_id"], unique=False
    )
    op.create_index(
        op.f("ix_outcome_fact_offering_id"), "outcome_fact", ["offering_id"], unique=False
    )
    op.create_index(
        op.f("ix_outcome_fact_officer_id"), "outcome_fact", ["officer_id"], unique=False
    )
    op.create_index(op.f("ix_outcome_fact_year"), "outcome_fact", ["year"], unique=False)
    op.create_table(
        "performance_fact",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("instrument_version", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("band", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint(
            "officer_id", "evaluated_on", "instrument_version", name=op.f("pk_performance_fact")
        ),
    )
    op.create_index(op.f("ix_performance_fact_year"), "performance_fact", ["year"], unique=False)
    op.create_table(
        "processed_message",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_message")),
    )
    op.create_table(
        "projection_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_projection_state")),
    )
    op.create_table(
        "published_cell",
        sa.Column("cell_key", sa.String(length=200), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=20), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("methodology_version", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("period_type", sa.String(length=8), nullable=False),
        sa.Column("geography", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("breakdown", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Integer(), nullable=True),
        sa.Column("denominator", sa.Integer(), nullable=True),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("cell_key", name=op.f("pk_published_cell")),
    )
    op.create_index(
        op.f("ix_published_cell_geography"), "published_cell", ["geography"], unique=False
    )
    op.create_index(
        op.f("ix_published_cell_indicator"), "published_cell", ["indicator"], unique=False
    )
    op.create_index(op.f("ix_published_cell_period"), "published_cell", ["period"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_published_cell_period"), table_name="published_cell")
    op.drop_index(op.f("ix_published_cell_indicator"), table_name="published_cell")
    op.drop_index(op.f("ix_published_cell_geography"), table_name="published_cell")
    op.drop_table("published_cell")
    op.drop_table("projection_state")
    op.drop_table("processed_message")
    op.drop_index(op.f("ix_performance_fact_year"), table_name="performance_fact")
    op.drop_table("performance_fact")
    op.drop_index(op.f("ix_outcome_fact_year"), table_name="outcome_fact")
    op.drop_index(op.f("ix_outcome_fact_officer_id"), table_name="outcome_fact")
    op.drop_index(op.f("ix_outcome_fact_offering_id"), table_name="outcome_fact")
    op.drop_index(op.f("ix_outcome_fact_enrolment_id"), table_name="outcome_fact")
    op.drop_table("outcome_fact")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_officer_dim_municipality"), table_name="officer_dim")
    op.drop_table("officer_dim")
    op.drop_table("offering_instructor")
    op.drop_table("offering_dim")
    op.drop_index(
        op.f("ix_instructor_certified_fact_instructor_id"), table_name="instructor_certified_fact"
    )
    op.drop_table("instructor_certified_fact")
    op.drop_table("finding_change")
    op.drop_index(op.f("ix_finding_status"), table_name="finding")
    op.drop_table("finding")
    op.drop_index(op.f("ix_feedback_fact_year"), table_name="feedback_fact")
    op.drop_index(op.f("ix_feedback_fact_offering_id"), table_name="feedback_fact")
    op.drop_table("feedback_fact")
    op.drop_index(op.f("ix_expiry_alert_fact_year"), table_name="expiry_alert_fact")
    op.drop_table("expiry_alert_fact")
    op.drop_index(op.f("ix_enrolment_fact_year"), table_name="enrolment_fact")
    op.drop_index(op.f("ix_enrolment_fact_officer_id"), table_name="enrolment_fact")
    op.drop_index(op.f("ix_enrolment_fact_event_id"), table_name="enrolment_fact")
    op.drop_table("enrolment_fact")
    op.drop_index(op.f("ix_eligibility_fact_officer_id"), table_name="eligibility_fact")
    op.drop_table("eligibility_fact")
    op.drop_index(op.f("ix_cup_status_fact_officer_id"), table_name="cup_status_fact")
    op.drop_table("cup_status_fact")
    op.drop_table("course_dim")
    op.drop_index(op.f("ix_competency_fact_year"), table_name="competency_fact")
    op.drop_table("competency_fact")
    op.drop_index(op.f("ix_attendance_fact_year"), table_name="attendance_fact")
    op.drop_index(op.f("ix_attendance_fact_officer_id"), table_name="attendance_fact")
    op.drop_index(op.f("ix_attendance_fact_event_id"), table_name="attendance_fact")
    op.drop_table("attendance_fact")
