"""The evaluation service's tables: its copy of the enrolment facts it needs (no identities),
instructors' certifications, results, CUP components, sent alerts and held intake.

C3 results are kept as approved-or-not and a date, and nothing more.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

OFFICER_ID = 36  # "off_" and 32 hex digits
IDENTIFIER = 64


class KnownOfficer(SQLModel, table=True):
    __tablename__ = "known_officer"

    officer_id: str = Field(primary_key=True, max_length=OFFICER_ID)
    level: str = Field(max_length=10)
    municipality: int
    status: str = Field(default="activo", max_length=12)


class KnownEnrolment(SQLModel, table=True):
    __tablename__ = "known_enrolment"

    enrolment_id: str = Field(primary_key=True, max_length=IDENTIFIER)
    officer_id: str = Field(index=True, max_length=OFFICER_ID)
    offering_id: str = Field(max_length=IDENTIFIER)
    course_id: str = Field(max_length=IDENTIFIER)
    enrolled_on: dt.date


class KnownOffering(SQLModel, table=True):
    """Who teaches an offering, from ``offering.scheduled``: feedback may rate only them."""

    __tablename__ = "known_offering"

    offering_id: str = Field(primary_key=True, max_length=IDENTIFIER)
    instructors: str = Field(description="the instructor ids, one per line")


class FeedbackAnswered(SQLModel, table=True):
    """Enrolments that have answered their offering's feedback: one response each. Nothing of
    the response is kept here, so it is not linked to its ratings."""

    __tablename__ = "feedback_answered"

    enrolment_id: str = Field(primary_key=True, max_length=IDENTIFIER)


class InstructorCertificationRow(SQLModel, table=True):
    __tablename__ = "instructor_certification"

    instructor_id: str = Field(primary_key=True, max_length=IDENTIFIER)
    competency: str = Field(primary_key=True, max_length=IDENTIFIER)
    valid_from: dt.date = Field(primary_key=True)
    valid_until: dt.date


class CompetencyResultRow(SQLModel, table=True):
    __tablename__ = "competency_result"
    __table_args__ = (
        # one evaluator scores one competency of one officer once a day; a re-send is a no-op
        UniqueConstraint(
            "officer_id", "catalogue_version", "competency", "evaluator_id", "evaluated_on"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    officer_id: str = Field(index=True, max_length=OFFICER_ID)
    catalogue_version: str = Field(max_length=4)
    competency: str = Field(max_length=IDENTIFIER)
    knowledge_score: float
    practical_result: str = Field(max_length=10)
    passed: bool
    evaluator_id: str = Field(max_length=IDENTIFIER)
    evaluated_on: dt.date


class ComponentResultRow(SQLModel, table=True):
    """A result that decides a component as a whole: a completion (FI), C3 or desempeño."""

    __tablename__ = "component_result"
    __table_args__ = (UniqueConstraint("officer_id", "component", "source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    officer_id: str = Field(index=True, max_length=OFFICER_ID)
    component: str = Field(max_length=2)
    source_key: str = Field(max_length=200, description="what makes a re-send the same result")
    passed: bool
    evaluated_on: dt.date
    score: float | None = None
    scale_max: float | None = None


class ScheduledAssessmentRow(SQLModel, table=True):
    __tablename__ = "scheduled_assessment"

    officer_id: str = Field(primary_key=True, max_length=OFFICER_ID)
    component: str = Field(primary_key=True, max_length=2)
    due_on: dt.date
    scheduled_on: dt.date


class CupComponentRow(SQLModel, table=True):
    """Each officer's components as last published; the expiry scheduler scans it by date."""

    __tablename__ = "cup_component"
    __table_args__ = (Index("ix_cup_component_status_until", "status", "valid_until"),)

    officer_id: str = Field(primary_key=True, max_length=OFFICER_ID)
    component: str = Field(primary_key=True, max_length=2)
    status: str = Field(max_length=30)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    changed_on: dt.date


class CupEligibilityRow(SQLModel, table=True):
    __tablename__ = "cup_eligibility"

    officer_id: str = Field(primary_key=True, max_length=OFFICER_ID)
    eligible: bool
    changed_on: dt.date
    earliest_expiry: dt.date | None = None
    """As last published: a renewal that moves it is published again (ADR 0075)."""


class ExpiryAlertRow(SQLModel, table=True):
    """One row per alert sent: the key makes a second send of the same alert impossible,
    even from two scheduler replicas at once."""

    __tablename__ = "expiry_alert"

    officer_id: str = Field(primary_key=True, max_length=OFFICER_ID)
    component: str = Field(primary_key=True, max_length=2)
    valid_until: dt.date = Field(primary_key=True)
    days_before: int = Field(primary_key=True)
    alerted_on: dt.date


class HeldIntakeRow(SQLModel, table=True):
    """Intake for an officer not known yet, kept as received until the officer arrives."""

    __tablename__ = "held_intake"

    id: int | None = Field(default=None, primary_key=True)
    officer_id: str = Field(index=True, max_length=OFFICER_ID)
    event_id: str = Field(unique=True, max_length=64)
    event_type: str = Field(max_length=200)
    event_source: str = Field(max_length=500)
    event_time: str = Field(max_length=40, description="ce_time, ISO 8601 with its offset")
    payload: str
    received_on: dt.date = Field(index=True)


TABLES = (
    KnownOfficer,
    KnownEnrolment,
    KnownOffering,
    FeedbackAnswered,
    InstructorCertificationRow,
    CompetencyResultRow,
    ComponentResultRow,
    ScheduledAssessmentRow,
    CupComponentRow,
    CupEligibilityRow,
    ExpiryAlertRow,
    HeldIntakeRow,
)
