"""Evaluation intake from evaluators and the C3 import: results become facts, CUP changes, or
a rejection that says why."""

from __future__ import annotations

from typing import Any

from convenio_chassis.consumer import UnitOfWork
from convenio_contracts.evaluation import (
    AssessmentResultRecorded,
    AssessmentScheduled,
    AssessmentType,
    CertifyInstructor,
    CompetencyEvaluated,
    CourseFeedbackSubmitted,
    ImportTrustControlResult,
    InstructorCertified,
    RecordCompetencyResult,
    RecordPerformanceResult,
    ScheduleAssessment,
    SubmitCourseFeedback,
)

from .. import cup_record
from ..adapters.repository import EvaluationRepository
from ..adapters.tables import CompetencyResultRow, ComponentResultRow
from ..domain import cup
from ..domain.catalogue import (
    PracticalResult,
    accepted_on,
    catalogue,
    check_certifiable,
    competency_passes,
)
from ..domain.certification import Certification, check_evaluator
from ..domain.cup import Component
from ..domain.feedback import check_feedback, check_instructor, check_named
from ..domain.refusals import RefusalReason, Refused
from .context import Apply, Context, refusable

COMPONENT_ASSESSED = {
    AssessmentType.COMPETENCIAS_BASICAS: Component.CB,
    AssessmentType.DESEMPENO: Component.ED,
    AssessmentType.CONTROL_CONFIANZA: Component.C3,
}
Result = RecordCompetencyResult | RecordPerformanceResult | ImportTrustControlResult


def _conflict(what: str) -> Refused:
    return Refused(
        RefusalReason.INVALID_REQUEST, f"a different {what} is already recorded for that day"
    )


def _result_recorded(ctx: Context, uow: UnitOfWork, component: Component, cmd: Result) -> None:
    EvaluationRepository(uow.session).answer_schedule(cmd.officer_id, component, cmd.evaluated_on)
    cup_record.refresh(uow, cmd.officer_id, ctx.policy, ctx.today(), cmd.event_type)


@refusable
def certify_instructor(ctx: Context, uow: UnitOfWork, cmd: CertifyInstructor) -> None:
    check_certifiable(cmd.competencies)
    periods = (
        Certification(cmd.instructor_id, c, cmd.valid_from, cmd.valid_until)
        for c in cmd.competencies
    )
    if EvaluationRepository(uow.session).add_certifications(periods):
        uow.emit(InstructorCertified(**cmd.model_dump()))


@refusable
def record_competency_result(ctx: Context, uow: UnitOfWork, cmd: RecordCompetencyResult) -> None:
    repo = EvaluationRepository(uow.session)
    accepted_on(catalogue(cmd.catalogue_version, cmd.competency), cmd.evaluated_on, ctx.policy)
    certifications = repo.certifications(cmd.evaluator_id)
    check_evaluator(cmd.evaluator_id, certifications, cmd.competency, cmd.evaluated_on)
    practical = PracticalResult(cmd.practical_result.value)
    key = (cmd.catalogue_version, cmd.competency, cmd.evaluator_id, cmd.evaluated_on)
    stored = repo.competency_result(cmd.officer_id, *key)
    if stored is not None:
        if (stored.knowledge_score, stored.practical_result) == (cmd.knowledge_score, practical):
            return
        raise _conflict(f"{cmd.competency} result by {cmd.evaluator_id}")
    passed = competency_passes(cmd.knowledge_score, practical, ctx.policy.pass_mark)
    earlier = repo.competency_results(cmd.officer_id)
    attempt = cup.attempt(earlier, cmd.competency, cmd.evaluated_on, ctx.policy.cb_validity_years)
    repo.add(
        CompetencyResultRow(
            **cmd.model_dump(exclude={"practical_result"}),
            practical_result=practical.value,
            passed=passed,
        )
    )
    uow.emit(CompetencyEvaluated(**cmd.model_dump(), passed=passed, attempt=attempt))
    _result_recorded(ctx, uow, Component.CB, cmd)


@refusable
def record_performance_result(ctx: Context, uow: UnitOfWork, cmd: RecordPerformanceResult) -> None:
    if cmd.score > cmd.scale_max:
        raise Refused(
            RefusalReason.INVALID_REQUEST,
            f"score {cmd.score} is above the scale's maximum {cmd.scale_max}",
        )
    repo = EvaluationRepository(uow.session)
    key = f"{cmd.evaluated_on.isoformat()}:{cmd.instrument_version}"
    stored = repo.component_result(cmd.officer_id, Component.ED, key)
    if stored is not None:
        if (stored.passed, stored.score, stored.scale_max) == (
            cmd.passed,
            cmd.score,
            cmd.scale_max,
        ):
            return
        raise _conflict(f"desempeño result on instrument {cmd.instrument_version}")
    repo.add(
        ComponentResultRow(
            officer_id=cmd.officer_id,
            component=Component.ED.value,
            source_key=key,
            passed=cmd.passed,
            evaluated_on=cmd.evaluated_on,
            score=cmd.score,
            scale_max=cmd.scale_max,
        )
    )
    uow.emit(
        AssessmentResultRecorded(
            **cmd.model_dump(exclude={"evaluator_id"}), assessment_type=AssessmentType.DESEMPENO
        )
    )
    _result_recorded(ctx, uow, Component.ED, cmd)


@refusable
def import_trust_control_result(
    ctx: Context, uow: UnitOfWork, cmd: ImportTrustControlResult
) -> None:
    """Only approved-or-not and the date are kept, and only CUP facts go out."""
    repo = EvaluationRepository(uow.session)
    key = cmd.evaluated_on.isoformat()
    stored = repo.component_result(cmd.officer_id, Component.C3, key)
    if stored is not None:
        if stored.passed == cmd.approved:
            return
        raise _conflict("trust-control result")
    repo.add(
        ComponentResultRow(
            officer_id=cmd.officer_id,
            component=Component.C3.value,
            source_key=key,
            passed=cmd.approved,
            evaluated_on=cmd.evaluated_on,
        )
    )
    _result_recorded(ctx, uow, Component.C3, cmd)


@refusable
def schedule_assessment(ctx: Context, uow: UnitOfWork, cmd: ScheduleAssessment) -> None:
    component = COMPONENT_ASSESSED.get(cmd.assessment_type)  # a course exam is no component
    today = ctx.today()
    repo = EvaluationRepository(uow.session)
    if component is not None and not repo.schedule(cmd.officer_id, component, cmd.due_on, today):
        return
    uow.emit(AssessmentScheduled(**cmd.model_dump()))
    if component is not None:
        cup_record.refresh(uow, cmd.officer_id, ctx.policy, today, cmd.event_type)


@refusable
def submit_course_feedback(ctx: Context, uow: UnitOfWork, cmd: SubmitCourseFeedback) -> None:
    """One response per enrolment, about an instructor of its offering (ADR 0077). Anonymous
    by construction: the fact is built field by field from the ratings, so nothing else a
    client sends (the enrolment, an officer's id, a CUIP) can travel on."""
    repo = EvaluationRepository(uow.session)
    check_named(cmd.enrolment_id, required=ctx.policy.feedback_requires_enrolment)
    instructors = repo.instructors_of(cmd.offering_id)
    if cmd.enrolment_id is None:
        check_instructor(cmd.offering_id, cmd.instructor_id, instructors)
    else:
        enrolled, answered = repo.enrolled(cmd.enrolment_id), repo.has_answered(cmd.enrolment_id)
        check_feedback(cmd.offering_id, cmd.instructor_id, enrolled, instructors, answered=answered)
        repo.answer_feedback(cmd.enrolment_id)
    uow.emit(
        CourseFeedbackSubmitted(
            offering_id=cmd.offering_id,
            instructor_id=cmd.instructor_id,
            relevance=cmd.relevance,
            theory_practice_balance=cmd.theory_practice_balance,
            instructor_rating=cmd.instructor_rating,
            submitted_on=cmd.submitted_on,
        )
    )


OFFICER_SCOPED: dict[str, Apply[Any]] = {
    RecordCompetencyResult.event_type: record_competency_result,
    RecordPerformanceResult.event_type: record_performance_result,
    ImportTrustControlResult.event_type: import_trust_control_result,
    ScheduleAssessment.event_type: schedule_assessment,
}
"""Intake that names an officer, and is held while the officer is unknown (ADR 0040)."""
