"""Enrolment intake: taking a seat and giving it back."""

from __future__ import annotations

from convenio_chassis.consumer import UnitOfWork
from convenio_contracts.enrolment import (
    EnrolmentCreated,
    EnrolmentWithdrawn,
    RequestEnrolment,
    WithdrawEnrolment,
)

from ..adapters.repository import EnrolmentRepository
from ..adapters.tables import EnrolmentRow
from ..domain.enrolments import check_enrolment, check_withdrawal
from .intake import command, local_date, new_id


@command(RequestEnrolment)
def request_enrolment(uow: UnitOfWork, cmd: RequestEnrolment) -> None:
    repo = EnrolmentRepository(uow.session)
    officer = repo.officer_by_cuip(cmd.cuip)
    offering = repo.offering(cmd.offering_id)
    officer, offering = check_enrolment(
        officer,
        offering,
        seats_taken=repo.seats_taken(cmd.offering_id) if offering else 0,
        existing=repo.enrolment(officer, cmd.offering_id),
    )
    enrolled_on = local_date(uow)
    enrolment_id = new_id("enr")
    repo.add_enrolment(
        EnrolmentRow(
            enrolment_id=enrolment_id,
            officer_id=officer.officer_id,
            offering_id=offering.offering_id,
            enrolled_on=enrolled_on,
            requested_by=cmd.requested_by,
        )
    )
    uow.emit(
        EnrolmentCreated(
            enrolment_id=enrolment_id,
            officer_id=officer.officer_id,
            offering_id=offering.offering_id,
            course_id=offering.course_id,
            requested_by=cmd.requested_by,
            enrolled_on=enrolled_on,
        )
    )


@command(WithdrawEnrolment)
def withdraw_enrolment(uow: UnitOfWork, cmd: WithdrawEnrolment) -> None:
    repo = EnrolmentRepository(uow.session)
    officer = repo.officer_by_cuip(cmd.cuip)
    enrolment = check_withdrawal(
        officer, repo.offering(cmd.offering_id), repo.enrolment(officer, cmd.offering_id)
    )
    row = repo.enrolment_row(enrolment.officer_id, enrolment.offering_id)
    assert row is not None
    repo.withdraw(row, cmd.reason, on=local_date(uow))
    uow.emit(
        EnrolmentWithdrawn(
            enrolment_id=row.enrolment_id,
            officer_id=row.officer_id,
            offering_id=row.offering_id,
            reason=cmd.reason,
            withdrawn_on=row.withdrawn_on,
        )
    )
