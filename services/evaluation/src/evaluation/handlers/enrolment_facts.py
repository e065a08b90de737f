"""The enrolment facts evaluation needs: who exists and in what status (and so whose held
intake may go on, and who may be eligible and alerted), and who completed formación inicial
with its hours delivered, which is the FI component."""

from __future__ import annotations

from convenio_chassis.consumer import UnitOfWork
from convenio_contracts.common import TrainingType
from convenio_contracts.enrolment import (
    EnrolmentCompleted,
    EnrolmentCreated,
    OfferingScheduled,
    OfficerAssignmentChanged,
    OfficerRegistered,
)

from .. import cup_record
from ..adapters.repository import EvaluationRepository
from ..adapters.tables import ComponentResultRow
from ..domain.cup import ACTIVE, Component, gives_fi
from .context import Context
from .held import release_held

FORMACION_INICIAL = {TrainingType.FORMACION_INICIAL, TrainingType.FORMACION_INICIAL_EQUIVALENTE}
"""The training types that may give FI (with their hours delivered)."""


def officer_registered(ctx: Context, uow: UnitOfWork, fact: OfficerRegistered) -> None:
    repo = EvaluationRepository(uow.session)
    repo.know_officer(fact.officer_id, fact.level, fact.municipality)
    release_held(ctx, uow, fact.officer_id)


def officer_assignment_changed(
    ctx: Context, uow: UnitOfWork, fact: OfficerAssignmentChanged
) -> None:
    repo = EvaluationRepository(uow.session)
    known = repo.officer(fact.officer_id)
    status_changed = (known.status if known else ACTIVE) != fact.status.value
    repo.know_officer(fact.officer_id, fact.level, fact.municipality, fact.status)
    release_held(ctx, uow, fact.officer_id)  # it names the officer as surely as a registration
    if status_changed:  # baja or suspension ends eligibility; a return restores it
        cup_record.refresh(uow, fact.officer_id, ctx.policy, ctx.today(), fact.event_type)


def offering_scheduled(ctx: Context, uow: UnitOfWork, fact: OfferingScheduled) -> None:
    """Who teaches the offering: feedback may rate only them."""
    EvaluationRepository(uow.session).know_offering(fact.offering_id, fact.instructors)


def enrolment_created(ctx: Context, uow: UnitOfWork, fact: EnrolmentCreated) -> None:
    EvaluationRepository(uow.session).know_enrolment(**fact.model_dump(exclude={"requested_by"}))


def enrolment_completed(ctx: Context, uow: UnitOfWork, fact: EnrolmentCompleted) -> None:
    """Completing initial training, or its equivalent for serving officers, with the hours
    that training requires delivered, gives FI. Not held when the officer is unknown: the fact
    comes from the service that created them."""
    delivered = fact.delivered_theory_hours + fact.delivered_practice_hours
    if not gives_fi(fact.training_type.value, delivered, ctx.policy):
        return
    repo = EvaluationRepository(uow.session)
    if repo.component_result(fact.officer_id, Component.FI, fact.enrolment_id) is not None:
        return
    repo.add(
        ComponentResultRow(
            officer_id=fact.officer_id,
            component=Component.FI.value,
            source_key=fact.enrolment_id,
            passed=True,
            evaluated_on=fact.decided_on,
        )
    )
    cup_record.refresh(uow, fact.officer_id, ctx.policy, ctx.today(), fact.event_type)
