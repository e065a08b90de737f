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
    registered_on: dt.date | None = Field(
        None,
        description="the day the officer joined the roster (registration or hire date): an "
        "officer counts in the periods from then on; None when the agency does not send it",
    )


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
    """Keyed by course, so it follows the course's publication in the same partition."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.offering.schedule.v1"
    key_field: ClassVar[str] = "course_id"


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


class OfficerStatus(StrEnum):
    ACTIVO = "activo"
    BAJA = "baja"
    SUSPENDIDO = "suspendido"


class _AssignmentChange(Event):
    status: OfficerStatus | None = None
    rank: ShortText | None = None
    corporation: ShortText | None = None
    level: Level | None = None
    municipality: MunicipalityCode | None = None
    reason: ShortText
    effective_on: dt.date


@register
class ChangeOfficerAssignment(_AssignmentChange):
    """An agency reports a change of status, rank, corporation or municipality; fields left
    out stay as they are."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.officer.change_assignment.v1"
    key_field: ClassVar[str] = "cuip"

    cuip: Cuip


@register
class OfficerAssignmentChanged(Event):
    """The officer's assignment after the change (every field, not only what changed)."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.officer.assignment_changed.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    status: OfficerStatus
    rank: ShortText
    corporation: ShortText
    level: Level
    municipality: MunicipalityCode
    reason: ShortText
    effective_on: dt.date


@register
class CloseOffering(Event):
    """UMS closes an offering: completion is computed for everyone still enrolled."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.offering.close.v1"
    key_field: ClassVar[str] = "course_id"

    offering_id: Identifier
    course_id: Identifier
    closed_on: dt.date


@register
class OfferingClosed(Event):
    event_type: ClassVar[str] = "mx.convenio.enrolment.offering.closed.v1"
    key_field: ClassVar[str] = "offering_id"

    offering_id: Identifier
    course_id: Identifier
    closed_on: dt.date
    enrolled: Annotated[int, Field(ge=0)]
    completed: Annotated[int, Field(ge=0)]
    failed: Annotated[int, Field(ge=0)]


@register
class WithdrawEnrolment(Event):
    event_type: ClassVar[str] = "mx.convenio.enrolment.enrolment.withdraw.v1"
    key_field: ClassVar[str] = "cuip"

    cuip: Cuip
    offering_id: Identifier
    reason: ShortText


@register
class EnrolmentWithdrawn(Event):
    event_type: ClassVar[str] = "mx.convenio.enrolment.enrolment.withdrawn.v1"
    key_field: ClassVar[str] = "officer_id"

    enrolment_id: Identifier
    officer_id: OfficerId
    offering_id: Identifier
    reason: ShortText
    withdrawn_on: dt.date


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    JUSTIFIED = "justified"
    LATE = "late"


Minutes = Annotated[int, Field(ge=0, le=24 * 60)]


@register
class RecordAttendance(Event):
    """One officer's attendance at one session. A correction is a void plus a new record."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.attendance.record.v1"
    key_field: ClassVar[str] = "cuip"

    cuip: Cuip
    offering_id: Identifier
    session_id: Identifier
    status: AttendanceStatus
    minutes: Minutes


@register
class VoidAttendance(Event):
    """Void the current attendance record of a session, so a corrected one can be recorded."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.attendance.void.v1"
    key_field: ClassVar[str] = "cuip"

    cuip: Cuip
    offering_id: Identifier
    session_id: Identifier
    reason: ShortText


@register
class AttendanceRecorded(Event):
    event_type: ClassVar[str] = "mx.convenio.enrolment.attendance.recorded.v1"
    key_field: ClassVar[str] = "officer_id"

    attendance_id: Identifier
    enrolment_id: Identifier
    officer_id: OfficerId
    offering_id: Identifier
    session_id: Identifier
    session_type: SessionType
    session_date: dt.date
    planned_minutes: Minutes
    status: AttendanceStatus
    minutes: Minutes


@register
class RecordVoided(Event):
    """A fact this service published is void. Nothing is edited in place: consumers undo the
    voided fact's effect, and a correction follows as a new fact."""

    event_type: ClassVar[str] = "mx.convenio.enrolment.record.voided.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    voided_event_id: str
    voided_event_type: str
    voided_record_id: Identifier = Field(description="e.g. the attendance_id")
    reason: ShortText


class CompletionResult(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"


class _Completion(Event):
    enrolment_id: Identifier
    officer_id: OfficerId
    offering_id: Identifier
    course_id: Identifier
    course_version: Annotated[int, Field(ge=1)]
    training_type: TrainingType
    planned_theory_hours: Hours
    planned_practice_hours: Hours
    delivered_theory_hours: Hours
    delivered_practice_hours: Hours
    attendance_rate: Annotated[float, Field(ge=0, le=1)]
    decided_on: dt.date


@register
class EnrolmentCompleted(_Completion):
    event_type: ClassVar[str] = "mx.convenio.enrolment.enrolment.completed.v1"
    key_field: ClassVar[str] = "officer_id"

    certificate_id: Identifier


@register
class EnrolmentFailed(_Completion):
    event_type: ClassVar[str] = "mx.convenio.enrolment.enrolment.failed.v1"
    key_field: ClassVar[str] = "officer_id"

    reason: ShortText
