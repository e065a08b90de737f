"""What a batch's handlers will look up, loaded before they run in a few set-based queries
(ADR 0052): without it every fact costs its own ``SELECT`` and flush."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from convenio_contracts import CloudEvent
from convenio_contracts.enrolment import (
    EnrolmentCreated,
    OfficerAssignmentChanged,
    OfficerRegistered,
)

from ..adapters.repository import EvaluationRepository
from .intake import OFFICER_SCOPED


def before_batch(session: Session, events: Sequence[CloudEvent]) -> None:
    officers: set[str] = set()
    enrolments: set[str] = set()
    releasing: set[str] = set()
    holding: set[str] = set()
    for event in events:
        data = event.data
        if isinstance(data, OfficerRegistered | OfficerAssignmentChanged):
            officers.add(data.officer_id)
            releasing.add(data.officer_id)
        elif isinstance(data, EnrolmentCreated):
            enrolments.add(data.enrolment_id)
        elif event.type in OFFICER_SCOPED:
            officers.add(data.officer_id)  # type: ignore[attr-defined]
            holding.add(event.id)
    EvaluationRepository(session).prefetch(officers, enrolments, releasing, holding)
