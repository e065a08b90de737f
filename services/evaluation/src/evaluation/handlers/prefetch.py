"""What a batch's handlers will look up, loaded before they run in a few set-based queries
(ADR 0052): without it every fact costs its own ``SELECT`` and flush."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from convenio_contracts import CloudEvent
from convenio_contracts.enrolment import (
    EnrolmentCompleted,
    EnrolmentCreated,
    OfficerAssignmentChanged,
    OfficerRegistered,
)
from convenio_contracts.evaluation import RecordCompetencyResult

from ..adapters.repository import EvaluationRepository
from .enrolment_facts import FORMACION_INICIAL
from .intake import OFFICER_SCOPED


def before_batch(session: Session, events: Sequence[CloudEvent]) -> None:
    officers: set[str] = set()
    enrolments: set[str] = set()
    releasing: set[str] = set()
    holding: set[str] = set()
    recomputing: set[str] = set()
    evaluators: set[str] = set()
    for event in events:
        data = event.data
        if isinstance(data, OfficerRegistered | OfficerAssignmentChanged):
            officers.add(data.officer_id)
            releasing.add(data.officer_id)
        elif isinstance(data, EnrolmentCreated):
            enrolments.add(data.enrolment_id)
        elif isinstance(data, EnrolmentCompleted):
            if data.training_type in FORMACION_INICIAL:
                recomputing.add(data.officer_id)
        elif event.type in OFFICER_SCOPED:
            officers.add(data.officer_id)  # type: ignore[attr-defined]
            recomputing.add(data.officer_id)  # type: ignore[attr-defined]
            holding.add(event.id)
            if isinstance(data, RecordCompetencyResult):
                evaluators.add(data.evaluator_id)
    repo = EvaluationRepository(session)
    repo.prefetch(officers, enrolments, releasing, holding)
    recomputing |= {o for o in releasing if repo.holds_intake_for(o)}
    repo.prefetch_cups(recomputing, evaluators)
