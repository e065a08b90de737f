"""SQLModel tables of the enrolment service's own database. The CUIP, CURP and name live here
and nowhere else."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class OfficerRow(SQLModel, table=True):
    __tablename__ = "officer"

    officer_id: str = Field(primary_key=True, max_length=36)
    cuip: str = Field(unique=True, index=True, max_length=30)
    curp: str = Field(max_length=18)
    full_name: str = Field(max_length=200)
    sex: str = Field(max_length=10)
    corporation: str = Field(max_length=200)
    level: str = Field(max_length=10)
    municipality: int
    profile: str = Field(max_length=20)
    rank: str = Field(max_length=200)
    hire_year: int
    status: str = Field(default="activo", max_length=12)


class CourseRow(SQLModel, table=True):
    __tablename__ = "course"

    course_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    training_type: str = Field(max_length=40)
    definition: str = Field(description="the published command, canonical JSON")


class OfferingRow(SQLModel, table=True):
    __tablename__ = "offering"

    offering_id: str = Field(primary_key=True, max_length=64)
    course_id: str = Field(max_length=64, index=True)
    course_version: int
    capacity: int
    starts_on: dt.date
    ends_on: dt.date
    definition: str = Field(description="the scheduling command, canonical JSON")


class EnrolmentRow(SQLModel, table=True):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("officer_id", "offering_id"),)

    enrolment_id: str = Field(primary_key=True, max_length=64)
    officer_id: str = Field(index=True, max_length=36)
    offering_id: str = Field(index=True, max_length=64)
    status: str = Field(default="active", max_length=12)
    enrolled_on: dt.date
    requested_by: str = Field(max_length=200)


TABLES = (OfficerRow, CourseRow, OfferingRow, EnrolmentRow)
