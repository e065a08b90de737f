"""Intake command handlers: each runs inside the chassis's unit of work (inbox, state, outbox)
and turns one agency command into facts, or into a rejection that says why."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import uuid_utils

from convenio_chassis.consumer import Handler, UnitOfWork
from convenio_contracts import CloudEvent
from convenio_contracts.enrolment import (
    CoursePublished,
    EnrolmentCreated,
    OfferingScheduled,
    OfficerRegistered,
    PublishCourse,
    RegisterOfficer,
    RequestEnrolment,
    ScheduleOffering,
)
from convenio_contracts.rejections import RejectionReason

from .adapters.repository import EnrolmentRepository
from .adapters.tables import CourseRow, EnrolmentRow, OfferingRow
from .domain import model
from .domain.model import RefusalReason, Refused

LOCAL_TIME = ZoneInfo("America/Mexico_City")
E = TypeVar("E")


def _command(kind: type[E]) -> Callable[[Callable[[UnitOfWork, E], None]], Handler]:
    """Unwrap the command, and turn a domain refusal into a rejection event."""

    def wrap(fn: Callable[[UnitOfWork, E], None]) -> Handler:
        @functools.wraps(fn)
        def handler(uow: UnitOfWork, event: CloudEvent) -> None:
            assert isinstance(event.data, kind)
            try:
                fn(uow, event.data)
            except Refused as refusal:
                uow.reject(RejectionReason(refusal.reason.value), refusal.message)

        return handler

    return wrap


@_command(RegisterOfficer)
def register_officer(uow: UnitOfWork, cmd: RegisterOfficer) -> None:
    repo = EnrolmentRepository(uow.session)
    data = model.OfficerData(**cmd.model_dump(include=set(model.OfficerData.__dataclass_fields__)))
    officer = model.register(repo.officer_by_cuip(cmd.cuip), data)
    if officer is None:
        return
    repo.add_officer(officer)
    uow.emit(
        OfficerRegistered(
            officer_id=officer.officer_id,
            **cmd.model_dump(include=set(OfficerRegistered.model_fields) - {"officer_id"}),
        )
    )


def _canonical(model_: Any) -> str:
    return json.dumps(model_.model_dump(mode="json"), sort_keys=True)


def _same_or_refuse(stored: str | None, incoming: str, what: str) -> bool:
    """True when the definition is already stored; refuse a different one under the same id."""
    if stored is None:
        return False
    if stored == incoming:
        return True
    raise Refused(RefusalReason.CONFLICTING_DEFINITION, f"{what} exists with another definition")


@_command(PublishCourse)
def publish_course(uow: UnitOfWork, cmd: PublishCourse) -> None:
    repo = EnrolmentRepository(uow.session)
    existing = repo.course(cmd.course_id, cmd.version)
    definition = _canonical(cmd)
    if _same_or_refuse(existing and existing.definition, definition, "course version"):
        return
    uow.session.add(
        CourseRow(
            course_id=cmd.course_id,
            version=cmd.version,
            training_type=cmd.training_type,
            definition=definition,
        )
    )
    uow.emit(CoursePublished(**cmd.model_dump()))


@_command(ScheduleOffering)
def schedule_offering(uow: UnitOfWork, cmd: ScheduleOffering) -> None:
    repo = EnrolmentRepository(uow.session)
    if repo.course(cmd.course_id, cmd.course_version) is None:
        raise Refused(
            RefusalReason.UNKNOWN_COURSE,
            f"course {cmd.course_id} v{cmd.course_version} is not published",
        )
    existing = repo.offering_row(cmd.offering_id)
    definition = _canonical(cmd)
    if _same_or_refuse(existing and existing.definition, definition, "offering"):
        return
    uow.session.add(
        OfferingRow(
            offering_id=cmd.offering_id,
            course_id=cmd.course_id,
            course_version=cmd.course_version,
            capacity=cmd.capacity,
            starts_on=cmd.starts_on,
            ends_on=cmd.ends_on,
            definition=definition,
        )
    )
    uow.emit(OfferingScheduled(**cmd.model_dump()))


@_command(RequestEnrolment)
def request_enrolment(uow: UnitOfWork, cmd: RequestEnrolment) -> None:
    repo = EnrolmentRepository(uow.session)
    officer = repo.officer_by_cuip(cmd.cuip)
    offering = repo.offering(cmd.offering_id)
    officer, offering = model.check_enrolment(
        officer,
        offering,
        enrolled=repo.active_enrolments(cmd.offering_id) if offering else 0,
        already_enrolled=bool(officer and repo.is_enrolled(officer.officer_id, cmd.offering_id)),
    )
    enrolled_on = uow.event.time.astimezone(LOCAL_TIME).date()
    enrolment_id = f"enr_{uuid_utils.uuid7().hex}"
    uow.session.add(
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


HANDLERS: dict[str, Handler] = {
    RegisterOfficer.event_type: register_officer,
    PublishCourse.event_type: publish_course,
    ScheduleOffering.event_type: schedule_offering,
    RequestEnrolment.event_type: request_enrolment,
}
