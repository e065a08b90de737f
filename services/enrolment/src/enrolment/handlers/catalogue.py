"""Course and offering intake: definitions are immutable once published."""

from __future__ import annotations

import json

from pydantic import BaseModel

from convenio_chassis.consumer import UnitOfWork
from convenio_contracts.enrolment import (
    CoursePublished,
    OfferingScheduled,
    PublishCourse,
    ScheduleOffering,
)

from ..adapters.repository import EnrolmentRepository
from ..adapters.tables import CourseRow, OfferingRow, OfferingSessionRow
from ..domain.offerings import Session, SessionType, check_plan, check_schedule
from ..domain.refusals import RefusalReason, Refused
from .intake import command


def _canonical(definition: BaseModel) -> str:
    return json.dumps(definition.model_dump(mode="json"), sort_keys=True)


def _same_or_refuse(stored: str | None, incoming: str, what: str) -> bool:
    """True when the definition is already stored; refuse a different one under the same id."""
    if stored is None:
        return False
    if stored == incoming:
        return True
    raise Refused(RefusalReason.CONFLICTING_DEFINITION, f"{what} exists with another definition")


@command(PublishCourse)
def publish_course(uow: UnitOfWork, cmd: PublishCourse) -> None:
    repo = EnrolmentRepository(uow.session)
    existing = repo.course_row(cmd.course_id, cmd.version)
    definition = _canonical(cmd)
    if _same_or_refuse(existing and existing.definition, definition, "course version"):
        return
    uow.session.add(
        CourseRow(
            course_id=cmd.course_id,
            version=cmd.version,
            training_type=cmd.training_type,
            planned_theory_hours=cmd.planned_theory_hours,
            planned_practice_hours=cmd.planned_practice_hours,
            definition=definition,
        )
    )
    uow.emit(CoursePublished(**cmd.model_dump()))


@command(ScheduleOffering)
def schedule_offering(uow: UnitOfWork, cmd: ScheduleOffering) -> None:
    repo = EnrolmentRepository(uow.session)
    course = repo.course(cmd.course_id, cmd.course_version)
    if course is None:
        raise Refused(
            RefusalReason.UNKNOWN_COURSE,
            f"course {cmd.course_id} v{cmd.course_version} is not published",
        )
    existing = repo.offering_row(cmd.offering_id)
    definition = _canonical(cmd)
    if _same_or_refuse(existing and existing.definition, definition, "offering"):
        return
    sessions = [
        Session(s.session_id, SessionType(s.session_type), s.date, s.planned_minutes)
        for s in cmd.sessions
    ]
    check_schedule(cmd.starts_on, cmd.ends_on, sessions)
    check_plan(course, sessions)
    repo.add_offering(
        OfferingRow(
            offering_id=cmd.offering_id,
            course_id=cmd.course_id,
            course_version=cmd.course_version,
            campus=cmd.campus,
            capacity=cmd.capacity,
            starts_on=cmd.starts_on,
            ends_on=cmd.ends_on,
            definition=definition,
        ),
        [
            OfferingSessionRow(
                offering_id=cmd.offering_id,
                session_id=s.session_id,
                session_type=s.session_type,
                date=s.date,
                planned_minutes=s.planned_minutes,
            )
            for s in sessions
        ],
    )
    uow.emit(OfferingScheduled(**cmd.model_dump()))
