"""Evaluation (UMS) contracts: evaluation intake from evaluators and the C3 import, and the
facts about competencies, CUP components, eligibility, expiry and course feedback.

Evaluation intake names officers by their pseudonymous ``officer_id`` (UMS systems resolve it
from the enrolment service); no CUIP, name or C3 detail beyond approved/not and a date ever
travels here. Course feedback is anonymous: it names the offering and instructor, never the
officer.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from .base import Event, register
from .common import Identifier, OfficerId, ShortText

Score = Annotated[float, Field(ge=0, le=100)]
Rating = Annotated[int, Field(ge=1, le=5)]
CatalogueVersion = Annotated[str, Field(pattern=r"^\d{4}$", description="e.g. 2020")]


class PracticalResult(StrEnum):
    CUMPLE = "cumple"
    NO_CUMPLE = "no_cumple"


class AssessmentType(StrEnum):
    COMPETENCIAS_BASICAS = "competencias_basicas"
    DESEMPENO = "desempeno"
    CONTROL_CONFIANZA = "control_confianza"
    COURSE_EXAM = "course_exam"


class CupComponent(StrEnum):
    FI = "FI"
    """Formación inicial (or equivalent); never expires."""
    C3 = "C3"
    """Control de confianza, imported from the state C3 centre."""
    CB = "CB"
    """Competencias básicas."""
    ED = "ED"
    """Evaluación del desempeño."""


class ComponentStatus(StrEnum):
    """INEGI census categories."""

    APROBATORIA_VIGENTE = "aprobatoria_vigente"
    APROBATORIA_NO_VIGENTE = "aprobatoria_no_vigente"
    VIGENTE_NO_APROBATORIA = "vigente_no_aprobatoria"
    PROGRAMADO = "programado"
    EVALUADO_PENDIENTE = "evaluado_pendiente"
    SIN_EVALUACION = "sin_evaluacion"


class TheoryPracticeBalance(StrEnum):
    TOO_THEORETICAL = "too_theoretical"
    BALANCED = "balanced"
    TOO_PRACTICAL = "too_practical"


# --- intake commands (evaluation.intake.v1) -------------------------------------------------


class _Certification(Event):
    instructor_id: Identifier
    competencies: tuple[Identifier, ...] = Field(min_length=1)
    valid_from: dt.date
    valid_until: dt.date

    @model_validator(mode="after")
    def _valid_period(self) -> _Certification:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


@register
class CertifyInstructor(_Certification):
    """Certifies an evaluating instructor for the listed competency codes."""

    event_type: ClassVar[str] = "mx.convenio.evaluation.instructor.certify.v1"
    key_field: ClassVar[str] = "instructor_id"


@register
class RecordCompetencyResult(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.competency_result.record.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    catalogue_version: CatalogueVersion
    competency: Identifier
    knowledge_score: Score
    practical_result: PracticalResult
    evaluator_id: Identifier
    evaluated_on: dt.date


@register
class RecordPerformanceResult(Event):
    """A desempeño (performance or academic performance) evaluation."""

    event_type: ClassVar[str] = "mx.convenio.evaluation.performance_result.record.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    score: Annotated[float, Field(ge=0)]
    scale_max: Annotated[float, Field(gt=0)] = 100
    passed: bool
    instrument_version: Identifier
    evaluator_id: Identifier
    evaluated_on: dt.date


@register
class ImportTrustControlResult(Event):
    """The C3 import: approved or not, and the date. Nothing more crosses from the C3 centre."""

    event_type: ClassVar[str] = "mx.convenio.evaluation.trust_control_result.import.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    approved: bool
    evaluated_on: dt.date


@register
class ScheduleAssessment(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.assessment.schedule.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    assessment_type: AssessmentType
    due_on: dt.date


@register
class SubmitCourseFeedback(Event):
    """Anonymous course feedback: the offering and instructor, never the officer."""

    event_type: ClassVar[str] = "mx.convenio.evaluation.course_feedback.submit.v1"
    key_field: ClassVar[str] = "offering_id"

    offering_id: Identifier
    instructor_id: Identifier
    relevance: Rating
    theory_practice_balance: TheoryPracticeBalance
    instructor_rating: Rating
    submitted_on: dt.date
    enrolment_id: Identifier | None = Field(
        None,
        description="the participant's enrolment in the offering: checked (one response per "
        "enrolment) and never passed on; required by evaluation since ADR 0077",
    )


# --- facts ------------------------------------------------------------------------------------


@register
class InstructorCertified(_Certification):
    event_type: ClassVar[str] = "mx.convenio.evaluation.instructor.certified.v1"
    key_field: ClassVar[str] = "instructor_id"


@register
class AssessmentScheduled(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.assessment.scheduled.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    assessment_type: AssessmentType
    due_on: dt.date


@register
class CompetencyEvaluated(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.competency.evaluated.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    catalogue_version: CatalogueVersion
    competency: Identifier
    knowledge_score: Score
    practical_result: PracticalResult
    passed: bool
    attempt: Annotated[int, Field(ge=1, description="1 for the officer's first attempt")]
    evaluator_id: Identifier
    evaluated_on: dt.date


@register
class AssessmentResultRecorded(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.assessment.result_recorded.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    assessment_type: AssessmentType
    score: Annotated[float, Field(ge=0)] | None
    scale_max: Annotated[float, Field(gt=0)] | None
    passed: bool
    instrument_version: Identifier
    evaluated_on: dt.date


@register
class CupComponentStatusChanged(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.cup_component.status_changed.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    component: CupComponent
    status: ComponentStatus
    previous_status: ComponentStatus
    valid_from: dt.date | None
    valid_until: dt.date | None = Field(description="None: does not expire (FI)")
    changed_on: dt.date
    source: ShortText = Field(description="what caused it: an event type, or 'expiry'")
    effective_on: dt.date | None = Field(
        None,
        description="the day the change took effect: the evaluation day of the result that "
        "caused it, or the day after the last day in force for a lapse; None: on changed_on",
    )


@register
class CupEligibilityChanged(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.cup.eligibility_changed.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    eligible: bool
    missing_components: tuple[CupComponent, ...]
    earliest_expiry: dt.date | None
    changed_on: dt.date


@register
class CertificationExpiring(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.certification.expiring.v1"
    key_field: ClassVar[str] = "officer_id"

    officer_id: OfficerId
    component: CupComponent
    valid_until: dt.date
    days_left: Annotated[int, Field(description="the alert window: 180, 90 or 30")]
    alerted_on: dt.date


@register
class CourseFeedbackSubmitted(Event):
    event_type: ClassVar[str] = "mx.convenio.evaluation.course_feedback.submitted.v1"
    key_field: ClassVar[str] = "offering_id"

    offering_id: Identifier
    instructor_id: Identifier
    relevance: Rating
    theory_practice_balance: TheoryPracticeBalance
    instructor_rating: Rating
    submitted_on: dt.date
