"""The evaluation service's own copy of the enrolment facts it needs (no identities)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class KnownOfficer(SQLModel, table=True):
    __tablename__ = "known_officer"

    officer_id: str = Field(primary_key=True, max_length=36)
    level: str = Field(max_length=10)
    municipality: int
    status: str = Field(default="activo", max_length=12)


class KnownEnrolment(SQLModel, table=True):
    __tablename__ = "known_enrolment"

    enrolment_id: str = Field(primary_key=True, max_length=64)
    officer_id: str = Field(index=True, max_length=36)
    offering_id: str = Field(max_length=64)
    course_id: str = Field(max_length=64)
    enrolled_on: dt.date


TABLES = (KnownOfficer, KnownEnrolment)
