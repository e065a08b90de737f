"""Reporting's projection tables. ``officer_dim`` keeps only the pseudonym and the attributes
aggregates are broken down by; no identity ever reaches this database."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class OfficerDim(SQLModel, table=True):
    __tablename__ = "officer_dim"

    officer_id: str = Field(primary_key=True, max_length=36)
    municipality: int = Field(index=True)
    level: str = Field(max_length=10)
    sex: str = Field(max_length=10)


class EnrolmentFact(SQLModel, table=True):
    __tablename__ = "enrolment_fact"

    enrolment_id: str = Field(primary_key=True, max_length=64)
    officer_id: str = Field(index=True, max_length=36)
    offering_id: str = Field(max_length=64)
    enrolled_on: dt.date = Field(index=True)


class DirtyCell(SQLModel, table=True):
    """A cell whose inputs changed in this batch; recomputed before the batch commits."""

    __tablename__ = "dirty_cell"

    cell_key: str = Field(primary_key=True, max_length=200)
    indicator: str = Field(max_length=64)
    period: str = Field(max_length=7)
    geography: str = Field(max_length=40)
    traceparent: str | None = Field(default=None, max_length=64)
    tracestate: str | None = Field(default=None, max_length=512)


class PublishedCell(SQLModel, table=True):
    """The last published state of each cell: the feed's current truth, and its revision."""

    __tablename__ = "published_cell"

    cell_key: str = Field(primary_key=True, max_length=200)
    indicator: str = Field(max_length=64, index=True)
    methodology_version: str = Field(max_length=16)
    period: str = Field(max_length=7, index=True)
    period_type: str = Field(max_length=8)
    geography: str = Field(max_length=40, index=True)
    level: str = Field(default="all", max_length=10)
    breakdown: str = Field(default="all", max_length=40)
    value: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    suppressed: bool
    revision: int
    computed_at: dt.datetime


TABLES = (OfficerDim, EnrolmentFact, DirtyCell, PublishedCell)
