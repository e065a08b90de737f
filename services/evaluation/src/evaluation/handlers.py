"""Handlers for the enrolment facts evaluation needs to know who can be evaluated."""

from __future__ import annotations

from convenio_chassis.consumer import Handler, UnitOfWork
from convenio_contracts import CloudEvent
from convenio_contracts.enrolment import EnrolmentCreated, OfficerRegistered

from .adapters.tables import KnownEnrolment, KnownOfficer


def officer_registered(uow: UnitOfWork, event: CloudEvent) -> None:
    fact = event.data
    assert isinstance(fact, OfficerRegistered)
    uow.session.merge(
        KnownOfficer(officer_id=fact.officer_id, level=fact.level, municipality=fact.municipality)
    )


def enrolment_created(uow: UnitOfWork, event: CloudEvent) -> None:
    fact = event.data
    assert isinstance(fact, EnrolmentCreated)
    uow.session.merge(
        KnownEnrolment(
            enrolment_id=fact.enrolment_id,
            officer_id=fact.officer_id,
            offering_id=fact.offering_id,
            course_id=fact.course_id,
            enrolled_on=fact.enrolled_on,
        )
    )


HANDLERS: dict[str, Handler] = {
    OfficerRegistered.event_type: officer_registered,
    EnrolmentCreated.event_type: enrolment_created,
}
