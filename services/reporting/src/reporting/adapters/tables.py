"""Reporting's tables. Facts are stored under the pseudonymous ``officer_id`` only, with the
attributes aggregates are broken down by; no identity ever reaches this database, and nothing
here is served except aggregates.

Every dated fact carries its month, quarter and year labels, so one grouped query computes a
whole period's cells, and ``as_of``: the CloudEvents time (microseconds) of the event that last
changed the row, from which each cell's ``computed_at`` is derived (never the wall clock, so a
replay computes the same feed).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel


def _micros() -> int:
    """A moment in microseconds since the epoch, UTC: exact, and the same on every database."""
    return Field(sa_type=BigInteger)  # type: ignore[no-any-return]


class OfficerDim(SQLModel, table=True):
    __tablename__ = "officer_dim"

    officer_id: str = Field(primary_key=True, max_length=36)
    municipality: int = Field(index=True)
    level: str = Field(max_length=10)
    sex: str = Field(max_length=10)
    status: str = Field(default="activo", max_length=12)
    as_of: int = _micros()
    record_key: int = 0
    """The officer's cell-key record key (0-255, ``domain.perturbation.record_key``)."""


EARLIEST = dt.date(1900, 1, 1)
"""The start of an assignment whose date is not known (a registration without
``registered_on``): the officer counts in every period, as before the date was sent."""
LATEST = dt.date(9999, 12, 31)


class OfficerAssignment(SQLModel, table=True):
    """One officer's assignment from ``valid_from`` until the next one starts (ADR 0095): the
    registration, then each change. ``officer_dim`` holds only the current one.

    ``valid_to`` is the next row's ``valid_from`` (``LATEST`` for the last row), and
    ``join_from`` is ``valid_from`` except on the first row, where it is ``EARLIEST``: a flow
    fact dated before the registration still counts under the first assignment. Both are
    derived by the flush from the rows of the officer."""

    __tablename__ = "officer_assignment"

    officer_id: str = Field(primary_key=True, max_length=36)
    valid_from: dt.date = Field(primary_key=True)
    join_from: dt.date = EARLIEST
    valid_to: dt.date = LATEST
    municipality: int
    level: str = Field(max_length=10)
    status: str = Field(max_length=12)
    registration: bool = False
    as_of: int = _micros()


class CourseDim(SQLModel, table=True):
    __tablename__ = "course_dim"

    course_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    title: str = Field(max_length=200)
    training_type: str = Field(max_length=40)
    planned_theory_hours: float
    planned_practice_hours: float


class OfferingDim(SQLModel, table=True):
    __tablename__ = "offering_dim"

    offering_id: str = Field(primary_key=True, max_length=64)
    course_id: str = Field(max_length=64)
    course_version: int
    starts_on: dt.date
    ends_on: dt.date
    closed_on: dt.date | None = None


class OfferingInstructor(SQLModel, table=True):
    __tablename__ = "offering_instructor"

    offering_id: str = Field(primary_key=True, max_length=64)
    instructor_id: str = Field(primary_key=True, max_length=64)


class InstructorCertification(SQLModel, table=True):
    __tablename__ = "instructor_certified_fact"

    event_id: str = Field(primary_key=True, max_length=36)
    instructor_id: str = Field(index=True, max_length=64)
    valid_from: dt.date
    valid_until: dt.date
    competencies: str = Field(max_length=4000, description="comma-separated competency codes")
    as_of: int = _micros()
    record_key: int = 0


class _Dated(SQLModel):
    """A fact with the period labels it counts in."""

    month: str = Field(max_length=7)
    quarter: str = Field(max_length=7)
    year: str = Field(max_length=4, index=True)
    as_of: int = _micros()


class EnrolmentFact(_Dated, table=True):
    __tablename__ = "enrolment_fact"

    enrolment_id: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(index=True, max_length=36)
    officer_id: str = Field(index=True, max_length=36)
    offering_id: str = Field(max_length=64)
    course_id: str = Field(max_length=64)
    enrolled_on: dt.date
    voided: bool = False


class OutcomeFact(_Dated, table=True):
    """How an enrolment ended: completed, failed or withdrawn."""

    __tablename__ = "outcome_fact"

    event_id: str = Field(primary_key=True, max_length=36)
    enrolment_id: str = Field(index=True, max_length=64)
    officer_id: str = Field(index=True, max_length=36)
    offering_id: str = Field(index=True, max_length=64)
    course_id: str | None = Field(default=None, max_length=64)
    """Withdrawals do not name the course; the flush completes it from the enrolment."""
    training_type: str | None = Field(default=None, max_length=40)
    outcome: str = Field(max_length=10)
    ended_on: dt.date
    planned_theory_min: int = 0
    planned_min: int = 0
    delivered_theory_min: int = 0
    delivered_min: int = 0
    voided: bool = False


class AttendanceFact(_Dated, table=True):
    __tablename__ = "attendance_fact"

    attendance_id: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(index=True, max_length=36)
    officer_id: str = Field(index=True, max_length=36)
    offering_id: str = Field(max_length=64)
    session_id: str = Field(max_length=64)
    session_type: str = Field(max_length=10)
    session_date: dt.date
    status: str = Field(max_length=10)
    minutes: int
    voided: bool = False


class CompetencyFact(_Dated, table=True):
    __tablename__ = "competency_fact"

    officer_id: str = Field(primary_key=True, max_length=36)
    catalogue_version: str = Field(primary_key=True, max_length=4)
    competency: str = Field(primary_key=True, max_length=64)
    attempt: int = Field(primary_key=True)
    event_id: str = Field(max_length=36)
    passed: bool
    evaluated_on: dt.date


class PerformanceFact(_Dated, table=True):
    """Desempeño results only: reporting keeps nothing of the trust-control (C3) results but
    the CUP component status evaluation derives from them."""

    __tablename__ = "performance_fact"

    officer_id: str = Field(primary_key=True, max_length=36)
    evaluated_on: dt.date = Field(primary_key=True)
    instrument_version: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(max_length=36)
    passed: bool
    band: str = Field(max_length=10)


class CupStatusFact(SQLModel, table=True):
    __tablename__ = "cup_status_fact"

    event_id: str = Field(primary_key=True, max_length=36)
    officer_id: str = Field(index=True, max_length=36)
    component: str = Field(max_length=2)
    status: str = Field(max_length=30)
    valid_until: dt.date | None = None
    changed_on: dt.date
    as_of: int = _micros()


class EligibilityFact(SQLModel, table=True):
    __tablename__ = "eligibility_fact"

    event_id: str = Field(primary_key=True, max_length=36)
    officer_id: str = Field(index=True, max_length=36)
    eligible: bool
    earliest_expiry: dt.date | None = None
    changed_on: dt.date
    as_of: int = _micros()


class ExpiryAlertFact(_Dated, table=True):
    __tablename__ = "expiry_alert_fact"

    officer_id: str = Field(primary_key=True, max_length=36)
    component: str = Field(primary_key=True, max_length=2)
    valid_until: dt.date = Field(primary_key=True)
    days_left: int = Field(primary_key=True)
    event_id: str = Field(max_length=36)
    alerted_on: dt.date


class FeedbackFact(_Dated, table=True):
    """Anonymous: names the offering and instructor, never the officer."""

    __tablename__ = "feedback_fact"

    event_id: str = Field(primary_key=True, max_length=36)
    offering_id: str = Field(index=True, max_length=64)
    instructor_id: str = Field(max_length=64)
    relevance: int
    balance: str = Field(max_length=20)
    instructor_rating: int
    submitted_on: dt.date
    record_key: int = 0
    """The response's cell-key record key, from its event id (it names no officer)."""


class FindingRow(SQLModel, table=True):
    __tablename__ = "finding"

    finding_id: str = Field(primary_key=True, max_length=64)
    scope: str = Field(max_length=20)
    scope_ref: str = Field(max_length=64)
    category: str = Field(max_length=64)
    severity: str = Field(max_length=10)
    title: str = Field(max_length=200)
    evidence: str = Field(max_length=4000)
    period: str | None = Field(default=None, max_length=7)
    origin: str = Field(max_length=10)
    rule: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=20, index=True)
    recorded_at: int = _micros()
    closed_at: int | None = Field(default=None, sa_type=BigInteger)
    as_of: int = _micros()


class FindingChange(SQLModel, table=True):
    """The lifecycle of a finding, including UMS's responses."""

    __tablename__ = "finding_change"

    finding_id: str = Field(primary_key=True, max_length=64)
    seq: int = Field(primary_key=True)
    status: str = Field(max_length=20)
    previous_status: str = Field(max_length=20)
    actor: str = Field(max_length=10)
    note: str = Field(default="", max_length=4000)
    changed_at: int = _micros()


class PublishedCell(SQLModel, table=True):
    """The last published state of each cell: the feed's current truth, and its revision.
    A withdrawn cell (no longer counting anyone) keeps its row so a reappearance continues its
    revisions; the feed carries a tombstone for it."""

    __tablename__ = "published_cell"

    cell_key: str = Field(primary_key=True, max_length=200)
    indicator: str = Field(max_length=64, index=True)
    family: str = Field(max_length=20)
    year: str = Field(max_length=4)
    methodology_version: str = Field(max_length=16)
    period: str = Field(max_length=7, index=True)
    period_type: str = Field(max_length=8)
    geography: str = Field(max_length=40, index=True)
    level: str = Field(default="all", max_length=10)
    breakdown: str = Field(default="all", max_length=80)
    value: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    suppressed: bool
    revision: int
    as_of: int = _micros()
    """``computed_at``: the time of the latest fact the cell counts."""
    withdrawn: bool = False


class ProjectionState(SQLModel, table=True):
    """Small facts about the data itself, e.g. the latest date any fact reports (horizon)."""

    __tablename__ = "projection_state"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=40)


class FeedMark(SQLModel, table=True):
    """A (family, year) table whose facts changed since the feed last showed them, written in
    the batch's own transaction so a crash loses no refresh. The timed refresh recomputes the
    marked tables and deletes the marks it read (``token`` tells a mark re-set meanwhile)."""

    __tablename__ = "feed_mark"

    family: str = Field(primary_key=True, max_length=20)
    year: int = Field(primary_key=True)
    token: str = Field(max_length=32)
    trace: str = Field(default="{}", max_length=2000)
    """The trace context of one event that set the mark: the refresh span continues it."""


FACT_TABLES = (
    OfficerDim,
    OfficerAssignment,
    CourseDim,
    OfferingDim,
    OfferingInstructor,
    InstructorCertification,
    EnrolmentFact,
    OutcomeFact,
    AttendanceFact,
    CompetencyFact,
    PerformanceFact,
    CupStatusFact,
    EligibilityFact,
    ExpiryAlertFact,
    FeedbackFact,
)
TABLES = (
    *FACT_TABLES,
    FindingRow,
    FindingChange,
    PublishedCell,
    ProjectionState,
    FeedMark,
)
