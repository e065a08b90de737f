"""Which handler applies each event type: facts (buffered, written in bulk per batch) and the
findings intake (one command at a time, with rejections)."""

from __future__ import annotations

from convenio_chassis.consumer import Handler
from convenio_contracts.reporting import (
    ChangeFindingStatus,
    FindingRecorded,
    FindingStatusChanged,
    RecordFinding,
    RespondToFinding,
)

from . import findings
from .facts import FACT_HANDLERS

INTAKE_HANDLERS: dict[str, Handler] = {
    RecordFinding.event_type: findings.record_finding,
    ChangeFindingStatus.event_type: findings.change_status,
    RespondToFinding.event_type: findings.respond,
}
HANDLERS: dict[str, Handler] = FACT_HANDLERS | INTAKE_HANDLERS
"""What the live service consumes: the fact topics and its intake."""
REPLAY_HANDLERS: dict[str, Handler] = FACT_HANDLERS | {
    FindingRecorded.event_type: findings.restore_recorded,
    FindingStatusChanged.event_type: findings.restore_status_changed,
}
"""What a replay consumes: the fact topics, and the findings' own log instead of the intake
(whose retention is 30 days), so analysts' findings and their lifecycle are rebuilt too."""

__all__ = ["FACT_HANDLERS", "HANDLERS", "INTAKE_HANDLERS", "REPLAY_HANDLERS"]
