"""SQLModel tables of the enrolment service's own database. The CUIP, CURP and name live here
and nowhere else."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class OfficerRow(SQLModel, table=True):
    """The officer as registered, plus the current assignment (``assigned_*``, ``status``)."""

    __tablename__ = "officer"

    officer_id: str = Field(primary_key=True, max_length=36)
    cuip: str = Field(unique=True, index=True, max_length=30)
    curp: str = Field(unique=True, max_length=18)
    full_name: str = Field(max_length=200)
    sex: str = Field(max_length=10)
    corporation: str = Field(max_length=200)
    level: str = Field(max_length=10)
    municipality: int
    profile: str = Field(max_length=20)
    rank: str = Field(max_length=200)
    hire_year: int
    registered_on: dt.date | None = None
    status: str = Field(default="activo", max_length=12)
    assigned_corporation: str = Field(max_length=200)
    assigned_rank: str = Field(max_length=200)
    assigned_level: str = Field(max_length=10)
    assigned_municipality: int


class AssignmentChangeRow(SQLModel, table=True):
    """History of assignment changes: the officer row holds only the latest."""

    __tablename__ = "officer_assignment_change"

    id: int | None = Field(default=None, primary_key=True)
    officer_id: str = Field(index=True, max_length=36)
    status: str = Field(max_length=12)
    corporation: str = Field(max_length=200)
    rank: str = Field(max_length=200)
    level: str = Field(max_length=10)
    municipality: int
    reason: str = Field(max_length=200)
    effective_on: dt.date
    command_id: str = Field(max_length=64, description="ce_id of the change command")


class CourseRow(SQLModel, table=True):
    __tablename__ = "course"

    course_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    training_type: str = Field(max_length=40)
    planned_theory_hours: float
    planned_practice_hours: float
    definition: str = Field(description="the published command, canonical JSON")


class OfferingRow(SQLModel, table=True):
    __tablename__ = "offering"

    offering_id: str = Field(primary_key=True, max_length=64)
    course_id: str = Field(max_length=64, index=True)
    course_version: int
    campus: str = Field(max_length=40)
    capacity: int
    starts_on: dt.date
    ends_on: dt.date
    closed_on: dt.date | None = None
    definition: str = Field(description="the scheduling command, canonical JSON")


class OfferingSessionRow(SQLModel, table=True):
    __tablename__ = "offering_session"

    offering_id: str = Field(primary_key=True, max_length=64)
    session_id: str = Field(primary_key=True, max_length=64)
    session_type: str = Field(max_length=10)
    date: dt.date
    planned_minutes: int


class EnrolmentRow(SQLModel, table=True):
    """One per officer and offering; its outcome is filled in when the offering closes."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("officer_id", "offering_id"),)

    enrolment_id: str = Field(primary_key=True, max_length=64)
    officer_id: str = Field(index=True, max_length=36)
    offering_id: str = Field(index=True, max_length=64)
    status: str = Field(default="active", max_length=12)
    enrolled_on: dt.date
    requested_by: str = Field(max_length=200)
    withdrawn_on: dt.date | None = None
    decided_on: dt.date | None = None
    delivered_theory_hours: float | None = None
    delivered_practice_hours: float | None = None
    attendance_rate: float | None = None
    certificate_id: str | None = Field(default=None, max_length=64)
    outcome_reason: str | None = Field(default=None, max_length=200)


class AttendanceRow(SQLModel, table=True):
    """Every attendance record ever made. A voided one stays, marked void; ``current_key`` is
    set only while the record is current, so the database itself allows one current record
    per enrolment and session (NULLs never collide in a unique index, on either database)."""

    __tablename__ = "attendance"

    attendance_id: str = Field(primary_key=True, max_length=64)
    enrolment_id: str = Field(index=True, max_length=64)
    offering_id: str = Field(index=True, max_length=64)
    session_id: str = Field(max_length=64)
    status: str = Field(max_length=10)
    minutes: int
    fact_event_id: str = Field(max_length=64, description="ce_id of attendance.recorded")
    current_key: str | None = Field(default=None, unique=True, max_length=130)
    voided_event_id: str | None = Field(default=None, max_length=64)
    void_reason: str | None = Field(default=None, max_length=200)


TABLES = (
    OfficerRow,
    AssignmentChangeRow,
    CourseRow,
    OfferingRow,
    OfferingSessionRow,
    EnrolmentRow,
    AttendanceRow,
)
