"""Closing an offering: decide each active enrolment, then announce the offering closed."""

from __future__ import annotations

from convenio_chassis.consumer import Handler, UnitOfWork
from convenio_contracts.enrolment import (
    CloseOffering,
    EnrolmentCompleted,
    EnrolmentFailed,
    OfferingClosed,
)

from ..adapters.repository import EnrolmentRepository
from ..adapters.tables import EnrolmentRow
from ..domain.completion import CompletionRule, Decision, Plan, decide, tally
from ..domain.enrolments import EnrolmentStatus
from ..domain.offerings import Course, Offering, check_close
from .intake import command, new_id


def close_offering(rule: CompletionRule) -> Handler:
    """The handler, with the attendance and hours an officer needs to complete."""

    @command(CloseOffering)
    def handle(uow: UnitOfWork, cmd: CloseOffering) -> None:
        repo = EnrolmentRepository(uow.session)
        offering = repo.offering(cmd.offering_id)
        if not check_close(offering, cmd.course_id, cmd.closed_on):
            return
        assert offering is not None
        course = repo.course(offering.course_id, offering.course_version)
        assert course is not None, "an offering is only scheduled for a published course"
        sessions = repo.sessions(offering.offering_id)
        marks = repo.current_marks(offering.offering_id)
        enrolments = repo.active_enrolments(offering.offering_id)
        plan = Plan(course.planned_theory_hours, course.planned_practice_hours)
        completed = 0
        for row in enrolments:
            decision = decide(tally(sessions, marks.get(row.enrolment_id, [])), plan, rule)
            _record_outcome(uow, row, offering, course, decision, cmd)
            completed += decision.completed
        closed = repo.offering_row(offering.offering_id)
        assert closed is not None
        repo.close_offering(closed, cmd.closed_on)
        uow.emit(
            OfferingClosed(
                offering_id=offering.offering_id,
                course_id=offering.course_id,
                closed_on=cmd.closed_on,
                enrolled=len(enrolments),
                completed=completed,
                failed=len(enrolments) - completed,
            )
        )

    handle.__name__ = "close_offering"
    return handle


def _record_outcome(
    uow: UnitOfWork,
    row: EnrolmentRow,
    offering: Offering,
    course: Course,
    decision: Decision,
    cmd: CloseOffering,
) -> None:
    common = {
        "enrolment_id": row.enrolment_id,
        "officer_id": row.officer_id,
        "offering_id": offering.offering_id,
        "course_id": course.course_id,
        "course_version": course.version,
        "training_type": course.training_type,
        "planned_theory_hours": course.planned_theory_hours,
        "planned_practice_hours": course.planned_practice_hours,
        "delivered_theory_hours": decision.delivered_theory_hours,
        "delivered_practice_hours": decision.delivered_practice_hours,
        "attendance_rate": decision.attendance_rate,
        "decided_on": cmd.closed_on,
    }
    row.decided_on = cmd.closed_on
    row.delivered_theory_hours = decision.delivered_theory_hours
    row.delivered_practice_hours = decision.delivered_practice_hours
    row.attendance_rate = decision.attendance_rate
    if decision.completed:
        row.status = EnrolmentStatus.COMPLETED
        row.certificate_id = new_id("cert")
        uow.emit(EnrolmentCompleted.model_validate(common | {"certificate_id": row.certificate_id}))
    else:
        row.status = EnrolmentStatus.FAILED
        row.outcome_reason = decision.reason
        uow.emit(EnrolmentFailed.model_validate(common | {"reason": decision.reason}))
    uow.session.add(row)
