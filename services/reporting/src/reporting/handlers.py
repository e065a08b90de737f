"""Fact handlers: store the facts (pseudonymous) and mark the indicator cells they touch."""

from __future__ import annotations

from convenio_chassis.consumer import Handler, UnitOfWork
from convenio_contracts import CloudEvent
from convenio_contracts.enrolment import EnrolmentCreated, OfficerRegistered

from . import projection
from .adapters.tables import EnrolmentFact, OfficerDim


def officer_registered(uow: UnitOfWork, event: CloudEvent) -> None:
    fact = event.data
    assert isinstance(fact, OfficerRegistered)
    uow.session.merge(
        OfficerDim(
            officer_id=fact.officer_id,
            municipality=fact.municipality,
            level=fact.level,
            sex=fact.sex,
        )
    )
    # Enrolment facts may have arrived first (another topic): their cells change now.
    for day in projection.enrolment_days_of(uow.session, fact.officer_id):
        projection.mark_enrolment_cells(uow.session, fact.municipality, day)


def enrolment_created(uow: UnitOfWork, event: CloudEvent) -> None:
    fact = event.data
    assert isinstance(fact, EnrolmentCreated)
    uow.session.merge(
        EnrolmentFact(
            enrolment_id=fact.enrolment_id,
            officer_id=fact.officer_id,
            offering_id=fact.offering_id,
            enrolled_on=fact.enrolled_on,
        )
    )
    officer = uow.session.get(OfficerDim, fact.officer_id)
    if officer is not None:
        projection.mark_enrolment_cells(uow.session, officer.municipality, fact.enrolled_on)


HANDLERS: dict[str, Handler] = {
    OfficerRegistered.event_type: officer_registered,
    EnrolmentCreated.event_type: enrolment_created,
}
