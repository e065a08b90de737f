"""Fact handlers store facts pseudonymously: each only buffers its row (see
``adapters.facts``), so a batch is written in bulk and the feed refreshed once per batch."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from convenio_chassis.consumer import Handler, UnitOfWork
from convenio_contracts import CloudEvent
from convenio_contracts.enrolment import (
    AttendanceRecorded,
    CoursePublished,
    EnrolmentCompleted,
    EnrolmentCreated,
    EnrolmentFailed,
    EnrolmentWithdrawn,
    OfferingClosed,
    OfferingScheduled,
    OfficerAssignmentChanged,
    OfficerRegistered,
    RecordVoided,
)
from convenio_contracts.evaluation import (
    AssessmentResultRecorded,
    AssessmentType,
    CertificationExpiring,
    CompetencyEvaluated,
    CourseFeedbackSubmitted,
    CupComponentStatusChanged,
    CupEligibilityChanged,
    InstructorCertified,
)

from ..adapters.facts import FactBuffer
from ..adapters.tables import (
    EARLIEST,
    AttendanceFact,
    CompetencyFact,
    CourseDim,
    CupStatusFact,
    EligibilityFact,
    EnrolmentFact,
    ExpiryAlertFact,
    FeedbackFact,
    InstructorCertification,
    OfferingDim,
    OfferingInstructor,
    OfficerAssignment,
    OfficerDim,
    OutcomeFact,
    PerformanceFact,
)
from ..domain.catalogue import score_band
from ..domain.feed import micros_of
from ..domain.periods import labels_of
from ..domain.perturbation import record_key

E = TypeVar("E")


def _fact(kind: type[E]) -> Callable[[Callable[[FactBuffer, E, CloudEvent], None]], Handler]:
    """Unwrap the fact and hand over the batch's buffer."""

    def wrap(fn: Callable[[FactBuffer, E, CloudEvent], None]) -> Handler:
        @functools.wraps(fn)
        def handler(uow: UnitOfWork, event: CloudEvent) -> None:
            assert isinstance(event.data, kind)
            fn(FactBuffer.of(uow.session), event.data, event)

        return handler

    return wrap


def _dated(day: Any, event: CloudEvent) -> dict[str, Any]:
    month, quarter, year = labels_of(day)
    return {"month": month, "quarter": quarter, "year": year, "as_of": micros_of(event.time)}


HOURS = ("planned_theory_min", "planned_min", "delivered_theory_min", "delivered_min")


def _minutes(hours: float) -> int:
    return round(hours * 60)


@_fact(OfficerRegistered)
def officer_registered(buf: FactBuffer, f: OfficerRegistered, event: CloudEvent) -> None:
    row = {
        "officer_id": f.officer_id,
        "municipality": f.municipality,
        "level": f.level.value,
        "sex": f.sex.value,
        "status": "activo",
        "as_of": micros_of(event.time),
        "record_key": record_key(f.officer_id),
    }
    buf.dimension(OfficerDim, row)
    buf.dimension(
        OfficerAssignment,
        {
            "officer_id": f.officer_id,
            "valid_from": f.registered_on or EARLIEST,
            "municipality": f.municipality,
            "level": f.level.value,
            "status": "activo",
            "registration": True,
            "as_of": row["as_of"],
        },
    )


@_fact(OfficerAssignmentChanged)
def assignment_changed(buf: FactBuffer, f: OfficerAssignmentChanged, event: CloudEvent) -> None:
    row = {
        "officer_id": f.officer_id,
        "municipality": f.municipality,
        "level": f.level.value,
        "status": f.status.value,
        "as_of": micros_of(event.time),
    }
    buf.amend(OfficerDim, row)
    buf.dimension(
        OfficerAssignment,
        {**row, "valid_from": f.effective_on, "registration": False},
    )


@_fact(CoursePublished)
def course_published(buf: FactBuffer, f: CoursePublished, event: CloudEvent) -> None:
    row = {
        "course_id": f.course_id,
        "version": f.version,
        "title": f.title,
        "training_type": f.training_type.value,
        "planned_theory_hours": f.planned_theory_hours,
        "planned_practice_hours": f.planned_practice_hours,
    }
    buf.dimension(CourseDim, row)


@_fact(OfferingScheduled)
def offering_scheduled(buf: FactBuffer, f: OfferingScheduled, event: CloudEvent) -> None:
    row = {
        "offering_id": f.offering_id,
        "course_id": f.course_id,
        "course_version": f.course_version,
        "starts_on": f.starts_on,
        "ends_on": f.ends_on,
        "closed_on": None,
    }
    buf.dimension(OfferingDim, row)
    for instructor in f.instructors:
        buf.dimension(
            OfferingInstructor, {"offering_id": f.offering_id, "instructor_id": instructor}
        )


@_fact(OfferingClosed)
def offering_closed(buf: FactBuffer, f: OfferingClosed, event: CloudEvent) -> None:
    row = {"offering_id": f.offering_id, "closed_on": f.closed_on}
    buf.amend(OfferingDim, row)


@_fact(EnrolmentCreated)
def enrolment_created(buf: FactBuffer, f: EnrolmentCreated, event: CloudEvent) -> None:
    row = {
        "enrolment_id": f.enrolment_id,
        "event_id": event.id,
        "officer_id": f.officer_id,
        "offering_id": f.offering_id,
        "course_id": f.course_id,
        "enrolled_on": f.enrolled_on,
        **_dated(f.enrolled_on, event),
    }
    buf.fact(EnrolmentFact, row)
    buf.saw(f.enrolled_on)


@_fact(EnrolmentWithdrawn)
def enrolment_withdrawn(buf: FactBuffer, f: EnrolmentWithdrawn, event: CloudEvent) -> None:
    row = {
        "event_id": event.id,
        "enrolment_id": f.enrolment_id,
        "officer_id": f.officer_id,
        "offering_id": f.offering_id,
        "course_id": None,
        "training_type": None,
        "outcome": "withdrawn",
        "ended_on": f.withdrawn_on,
        **dict.fromkeys(HOURS, 0),
        **_dated(f.withdrawn_on, event),
    }
    buf.fact(OutcomeFact, row)
    buf.saw(f.withdrawn_on)


def _decided(
    buf: FactBuffer, f: EnrolmentCompleted | EnrolmentFailed, event: CloudEvent, outcome: str
) -> None:
    planned_theory = _minutes(f.planned_theory_hours)
    delivered_theory = _minutes(f.delivered_theory_hours)
    row = {
        "event_id": event.id,
        "enrolment_id": f.enrolment_id,
        "officer_id": f.officer_id,
        "offering_id": f.offering_id,
        "course_id": f.course_id,
        "training_type": f.training_type.value,
        "outcome": outcome,
        "ended_on": f.decided_on,
        "planned_theory_min": planned_theory,
        "planned_min": planned_theory + _minutes(f.planned_practice_hours),
        "delivered_theory_min": delivered_theory,
        "delivered_min": delivered_theory + _minutes(f.delivered_practice_hours),
        **_dated(f.decided_on, event),
    }
    buf.fact(OutcomeFact, row)
    buf.saw(f.decided_on)


@_fact(EnrolmentCompleted)
def enrolment_completed(buf: FactBuffer, f: EnrolmentCompleted, event: CloudEvent) -> None:
    _decided(buf, f, event, "completed")


@_fact(EnrolmentFailed)
def enrolment_failed(buf: FactBuffer, f: EnrolmentFailed, event: CloudEvent) -> None:
    _decided(buf, f, event, "failed")


@_fact(AttendanceRecorded)
def attendance_recorded(buf: FactBuffer, f: AttendanceRecorded, event: CloudEvent) -> None:
    row = {
        "attendance_id": f.attendance_id,
        "event_id": event.id,
        "officer_id": f.officer_id,
        "offering_id": f.offering_id,
        "session_id": f.session_id,
        "session_type": f.session_type.value,
        "session_date": f.session_date,
        "status": f.status.value,
        "minutes": f.minutes,
        **_dated(f.session_date, event),
    }
    buf.fact(AttendanceFact, row)
    buf.saw(f.session_date)


@_fact(RecordVoided)
def record_voided(buf: FactBuffer, f: RecordVoided, event: CloudEvent) -> None:
    buf.void(f.voided_event_type, f.voided_event_id, micros_of(event.time))


@_fact(InstructorCertified)
def instructor_certified(buf: FactBuffer, f: InstructorCertified, event: CloudEvent) -> None:
    row = {
        "event_id": event.id,
        "instructor_id": f.instructor_id,
        "valid_from": f.valid_from,
        "valid_until": f.valid_until,
        "competencies": ",".join(f.competencies),
        "as_of": micros_of(event.time),
        "record_key": record_key(event.id),
    }
    buf.fact(InstructorCertification, row)


@_fact(CompetencyEvaluated)
def competency_evaluated(buf: FactBuffer, f: CompetencyEvaluated, event: CloudEvent) -> None:
    row = {
        "officer_id": f.officer_id,
        "catalogue_version": f.catalogue_version,
        "competency": f.competency,
        "attempt": f.attempt,
        "event_id": event.id,
        "passed": f.passed,
        "evaluated_on": f.evaluated_on,
        **_dated(f.evaluated_on, event),
    }
    buf.fact(CompetencyFact, row)
    buf.saw(f.evaluated_on)


@_fact(AssessmentResultRecorded)
def assessment_result(buf: FactBuffer, f: AssessmentResultRecorded, event: CloudEvent) -> None:
    buf.saw(f.evaluated_on)
    if f.assessment_type is not AssessmentType.DESEMPENO:
        return  # other results reach the feed only through the CUP component they change
    row = {
        "officer_id": f.officer_id,
        "evaluated_on": f.evaluated_on,
        "instrument_version": f.instrument_version,
        "event_id": event.id,
        "passed": f.passed,
        "band": score_band(f.score, f.scale_max),
        **_dated(f.evaluated_on, event),
    }
    buf.fact(PerformanceFact, row)


@_fact(CupComponentStatusChanged)
def component_status(buf: FactBuffer, f: CupComponentStatusChanged, event: CloudEvent) -> None:
    row = {
        "event_id": event.id,
        "officer_id": f.officer_id,
        "component": f.component.value,
        "status": f.status.value,
        "valid_until": f.valid_until,
        "changed_on": f.changed_on,
        "as_of": micros_of(event.time),
    }
    buf.fact(CupStatusFact, row)
    buf.saw(f.changed_on)


@_fact(CupEligibilityChanged)
def eligibility_changed(buf: FactBuffer, f: CupEligibilityChanged, event: CloudEvent) -> None:
    row = {
        "event_id": event.id,
        "officer_id": f.officer_id,
        "eligible": f.eligible,
        "earliest_expiry": f.earliest_expiry,
        "changed_on": f.changed_on,
        "as_of": micros_of(event.time),
    }
    buf.fact(EligibilityFact, row)
    buf.saw(f.changed_on)


@_fact(CertificationExpiring)
def certification_expiring(buf: FactBuffer, f: CertificationExpiring, event: CloudEvent) -> None:
    row = {
        "officer_id": f.officer_id,
        "component": f.component.value,
        "valid_until": f.valid_until,
        "days_left": f.days_left,
        "event_id": event.id,
        "alerted_on": f.alerted_on,
        **_dated(f.alerted_on, event),
    }
    buf.fact(ExpiryAlertFact, row)
    buf.saw(f.alerted_on)


@_fact(CourseFeedbackSubmitted)
def feedback_submitted(buf: FactBuffer, f: CourseFeedbackSubmitted, event: CloudEvent) -> None:
    row = {
        "event_id": event.id,
        "offering_id": f.offering_id,
        "instructor_id": f.instructor_id,
        "relevance": f.relevance,
        "balance": f.theory_practice_balance.value,
        "instructor_rating": f.instructor_rating,
        "submitted_on": f.submitted_on,
        **_dated(f.submitted_on, event),
        "record_key": record_key(event.id),
    }
    buf.fact(FeedbackFact, row)
    buf.saw(f.submitted_on)


FACT_HANDLERS: dict[str, Handler] = {
    OfficerRegistered.event_type: officer_registered,
    OfficerAssignmentChanged.event_type: assignment_changed,
    CoursePublished.event_type: course_published,
    OfferingScheduled.event_type: offering_scheduled,
    OfferingClosed.event_type: offering_closed,
    EnrolmentCreated.event_type: enrolment_created,
    EnrolmentWithdrawn.event_type: enrolment_withdrawn,
    EnrolmentCompleted.event_type: enrolment_completed,
    EnrolmentFailed.event_type: enrolment_failed,
    AttendanceRecorded.event_type: attendance_recorded,
    RecordVoided.event_type: record_voided,
    InstructorCertified.event_type: instructor_certified,
    CompetencyEvaluated.event_type: competency_evaluated,
    AssessmentResultRecorded.event_type: assessment_result,
    CupComponentStatusChanged.event_type: component_status,
    CupEligibilityChanged.event_type: eligibility_changed,
    CertificationExpiring.event_type: certification_expiring,
    CourseFeedbackSubmitted.event_type: feedback_submitted,
}
