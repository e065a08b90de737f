"""Enrolment (UMS) contracts: intake commands from agency systems, and the facts it publishes.

Intake commands carry identity (CUIP, name, CURP) because registration needs it; they travel
only on ``enrolment.intake.v1``. Facts carry the pseudonymous ``officer_id`` and nothing else
that identifies a person.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from .base import Event, register
from .common import (
    Campus,
    Cuip,
    Curp,
    Identifier,
    Level,
    MunicipalityCode,
    OfficerId,
    Profile,
    Sex,
    ShortText,
    TrainingType,
)

Hours = Annotated[float, Field(ge=0, le=5000)]


class SessionType(StrEnum):
    TEORIA = "teoria"
    PRACTICA = "practica"


class _OfficerProfile(Event):
    sex: Sex
    corporation: ShortText
    level: Level
    municipality: MunicipalityCode
    profile: Profile
    rank: ShortText
    hire_year: Annotated[int, Field(ge=1950, le=2100)]


@register
class RegisterOfficer(_OfficerProfile):
    """An agency asks UMS to register an officer. Re-sending equal data is harmless."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.officer.register.v1"
    key_field: ClassVar[str] = "cuip"

    cuip: Cuip
    curp: Curp
    full_name: ShortText


@register
class OfficerRegistered(_OfficerProfile):
    """An officer is known to the programme, under a random pseudonym."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.officer.registered.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId


class _CourseDefinition(Event):
    course_id: Identifier
    version: Annotated[int, Field(ge=1)]
    title: ShortText
    training_type: TrainingType
    programme_code: Identifier
    planned_theory_hours: Hours
    planned_practice_hours: Hours
    competencies: tuple[ShortText, ...] = ()


@register
class PublishCourse(_CourseDefinition):
    """UMS publishes a course version. A changed course is a new version, never an edit."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.course.publish.v1"
    key_field: ClassVar[str] = "course_id"


@register
class CoursePublished(_CourseDefinition):
    event_type: ClassVar[str] = "mx.convenio.enrolment.course.published.v1"
    key_field: ClassVar[str] = "course_id"


class PlannedSession(Event):
    """One class session of an offering; not an event on its own."""

    session_id: Identifier
    session_type: SessionType
    date: dt.date
    planned_minutes: Annotated[int, Field(gt=0, le=24 * 60)]


class _OfferingDefinition(Event):
    offering_id: Identifier
    course_id: Identifier
    course_version: Annotated[int, Field(ge=1)]
    campus: Campus
    starts_on: dt.date
    ends_on: dt.date
    capacity: Annotated[int, Field(gt=0, le=10_000)]
    instructors: tuple[Identifier, ...] = ()
    target_municipalities: tuple[MunicipalityCode, ...] = ()
    sessions: tuple[PlannedSession, ...] = ()

    @model_validator(mode="after")
    def _dates_in_order(self) -> _OfferingDefinition:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


@register
class ScheduleOffering(_OfferingDefinition):
    event_type: ClassVar[str] = "mx.convenio.enrolment.offering.schedule.v1"
    key_field: ClassVar[str] = "offering_id"


@register
class OfferingScheduled(_OfferingDefinition):
    event_type: ClassVar[str] = "mx.convenio.enrolment.offering.scheduled.v1"
    key_field: ClassVar[str] = "offering_id"


@register
class RequestEnrolment(Event):
    """An agency asks to enrol a registered officer, named by CUIP, in an offering."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.enrolment.request.v1"
    key_field: ClassVar[str] = "cuip"

    cuip: Cuip
    offering_id: Identifier
    requested_by: ShortText


@register
class EnrolmentCreated(Event):
    event_type: ClassVar[str] = "mx.convenio.enrolment.enrolment.created.v1"
    key_field: ClassVar[str] = "officer_id"

    enrolment_id: Identifier
    officer_id: OfficerId
    offering_id: Identifier
    course_id: Identifier
    requested_by: ShortText
    enrolled_on: dt.date
