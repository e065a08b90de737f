"""The enrolment facts evaluation needs: who exists (and so whose held intake may go on), and
who completed formación inicial, which is the FI component."""

from __future__ import annotations

from convenio_chassis.consumer import UnitOfWork
from convenio_contracts.common import TrainingType
from convenio_contracts.enrolment import (
    EnrolmentCompleted,
    EnrolmentCreated,
    OfficerAssignmentChanged,
    OfficerRegistered,
)

from .. import cup_record
from ..adapters.repository import EvaluationRepository
from ..adapters.tables import ComponentResultRow
from ..domain.cup import Component
from .context import Context
from .held import release_held

FORMACION_INICIAL = {TrainingType.FORMACION_INICIAL, TrainingType.FORMACION_INICIAL_EQUIVALENTE}


def officer_registered(ctx: Context, uow: UnitOfWork, fact: OfficerRegistered) -> None:
    repo = EvaluationRepository(uow.session)
    repo.know_officer(fact.officer_id, fact.level, fact.municipality)
    release_held(ctx, uow, fact.officer_id)


def officer_assignment_changed(
    ctx: Context, uow: UnitOfWork, fact: OfficerAssignmentChanged
) -> None:
    repo = EvaluationRepository(uow.session)
    repo.know_officer(fact.officer_id, fact.level, fact.municipality, fact.status)
    release_held(ctx, uow, fact.officer_id)  # it names the officer as surely as a registration


def enrolment_created(ctx: Context, uow: UnitOfWork, fact: EnrolmentCreated) -> None:
    EvaluationRepository(uow.session).know_enrolment(**fact.model_dump(exclude={"requested_by"}))


def enrolment_completed(ctx: Context, uow: UnitOfWork, fact: EnrolmentCompleted) -> None:
    """Completing initial training, or its equivalent for serving officers, gives FI. Not
    held when the officer is unknown: the fact comes from the service that created them."""
    if fact.training_type not in FORMACION_INICIAL:
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
