"""The findings intake: an ONC analyst records an area of opportunity; ONC and UMS move it
along its lifecycle, and UMS's responses are kept. Who acts is the channel's party, never what
a message says of itself: ONC's commands arrive on ``reporting.intake.v1``, which only ONC's
analysts may write, and UMS's responses on ``reporting.responses.intake.v1``, which only UMS's
responder may write (ACLs from the catalogue). A refused command becomes a rejection on
``intake.rejections.v1`` saying why. Replays rebuild the same state from ``reporting.findings.v1``.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from convenio_chassis.consumer import UnitOfWork
from convenio_chassis.tracing import current_trace_headers
from convenio_contracts import CloudEvent
from convenio_contracts.rejections import RejectionReason
from convenio_contracts.reporting import (
    ChangeFindingStatus,
    FindingActor,
    FindingRecorded,
    FindingStatus,
    FindingStatusChanged,
    RecordFinding,
    RespondToFinding,
)

from ..adapters.facts import FactBuffer
from ..adapters.queries import local_day
from ..adapters.tables import FindingChange, FindingRow
from ..domain import findings as lifecycle
from ..domain.feed import micros_of
from ..projection import finding_recorded


def _refuse(uow: UnitOfWork, refusal: lifecycle.Refused) -> None:
    uow.reject(RejectionReason(refusal.reason.value), refusal.message)


def _touch(session: Session, *moments: int | None) -> None:
    """The findings indicators of the years these moments fall in change."""
    buffer = FactBuffer.of(session)
    for moment in moments:
        if moment is not None:
            buffer.touch("findings", local_day(moment).year, current_trace_headers())


def _same(row: FindingRow, cmd: RecordFinding) -> bool:
    return (
        row.scope,
        row.scope_ref,
        row.category,
        row.severity,
        row.title,
        row.evidence,
        row.period,
    ) == (
        cmd.scope.value,
        cmd.scope_ref,
        cmd.category,
        cmd.severity.value,
        cmd.title,
        cmd.evidence,
        cmd.period,
    )


def record_finding(uow: UnitOfWork, event: CloudEvent) -> None:
    cmd = event.data
    assert isinstance(cmd, RecordFinding)
    leak = lifecycle.identity_in(f"{cmd.title}\n{cmd.evidence}")
    if leak is not None:
        _refuse(
            uow,
            lifecycle.Refused(
                lifecycle.Refusal.INVALID_REQUEST,
                f"the finding seems to carry a {leak}: findings carry aggregates only",
            ),
        )
        return
    existing = uow.session.get(FindingRow, cmd.finding_id)
    if existing is not None:
        if not _same(existing, cmd):
            _refuse(
                uow,
                lifecycle.Refused(
                    lifecycle.Refusal.DUPLICATE_FINDING,
                    f"finding {cmd.finding_id} exists with other content",
                ),
            )
        return
    at = micros_of(event.time)
    row = FindingRow(
        finding_id=cmd.finding_id,
        scope=cmd.scope.value,
        scope_ref=cmd.scope_ref,
        category=cmd.category,
        severity=cmd.severity.value,
        title=cmd.title,
        evidence=cmd.evidence,
        period=cmd.period,
        origin=lifecycle.ONC,
        rule=None,
        status=lifecycle.OPEN,
        recorded_at=at,
        as_of=at,
    )
    uow.session.add(row)
    uow.emit(finding_recorded(row))
    _touch(uow.session, at)


def change_status(uow: UnitOfWork, event: CloudEvent) -> None:
    """ONC's channel: whatever arrives here speaks for ONC (only its analysts may write it)."""
    cmd = event.data
    assert isinstance(cmd, ChangeFindingStatus)
    if cmd.actor.value != lifecycle.ONC:
        _refuse(
            uow,
            lifecycle.Refused(
                lifecycle.Refusal.INVALID_REQUEST,
                f"this channel speaks for ONC, not {cmd.actor.value!r}: UMS responds on "
                "reporting.responses.intake.v1",
            ),
        )
        return
    _move(uow, event, cmd.finding_id, cmd.status, cmd.note, FindingActor.ONC)


def respond(uow: UnitOfWork, event: CloudEvent) -> None:
    """UMS's channel: whatever arrives here speaks for UMS (only its responder may write it)."""
    cmd = event.data
    assert isinstance(cmd, RespondToFinding)
    _move(uow, event, cmd.finding_id, cmd.status, cmd.note, FindingActor.UMS)


def _move(
    uow: UnitOfWork,
    event: CloudEvent,
    finding_id: str,
    status: FindingStatus,
    note: str,
    actor: FindingActor,
) -> None:
    row = uow.session.get(FindingRow, finding_id)
    try:
        if row is None:
            raise lifecycle.Refused(lifecycle.Refusal.UNKNOWN_FINDING, f"no finding {finding_id}")
        if (leak := lifecycle.identity_in(note)) is not None:
            raise lifecycle.Refused(
                lifecycle.Refusal.INVALID_REQUEST, f"the note seems to carry a {leak}"
            )
        lifecycle.check_transition(row.status, status.value, actor.value, note)
    except lifecycle.Refused as refusal:
        _refuse(uow, refusal)
        return
    previous = row.status
    _apply_change(uow.session, row, status.value, actor.value, note, micros_of(event.time))
    uow.emit(
        FindingStatusChanged(
            finding_id=row.finding_id,
            status=status,
            previous_status=FindingStatus(previous),
            actor=actor,
            note=note,
            changed_at=event.time,
        )
    )


def _apply_change(
    session: Session, row: FindingRow, status: str, actor: str, note: str, at: int
) -> None:
    seq = session.exec(
        select(func.count())
        .select_from(FindingChange)
        .where(FindingChange.finding_id == row.finding_id)
    ).one()
    session.add(
        FindingChange(
            finding_id=row.finding_id,
            seq=int(seq) + 1,
            status=status,
            previous_status=row.status,
            actor=actor,
            note=note,
            changed_at=at,
        )
    )
    row.status = status
    row.as_of = at
    if status == lifecycle.CLOSED:
        row.closed_at = at
    session.add(row)
    _touch(session, row.recorded_at, row.closed_at)


def restore_recorded(uow: UnitOfWork, event: CloudEvent) -> None:
    fact = event.data
    assert isinstance(fact, FindingRecorded)
    if uow.session.get(FindingRow, fact.finding_id) is not None:
        return
    at = micros_of(fact.recorded_at)
    uow.session.add(
        FindingRow(
            finding_id=fact.finding_id,
            scope=fact.scope.value,
            scope_ref=fact.scope_ref,
            category=fact.category,
            severity=fact.severity.value,
            title=fact.title,
            evidence=fact.evidence,
            period=fact.period,
            origin=fact.origin.value,
            rule=fact.rule,
            status=lifecycle.OPEN,
            recorded_at=at,
            as_of=at,
        )
    )
    _touch(uow.session, at)


def restore_status_changed(uow: UnitOfWork, event: CloudEvent) -> None:
    fact = event.data
    assert isinstance(fact, FindingStatusChanged)
    row = uow.session.get(FindingRow, fact.finding_id)
    if row is None:
        return
    _apply_change(
        uow.session, row, fact.status.value, fact.actor.value, fact.note, micros_of(fact.changed_at)
    )


__all__ = ["change_status", "record_finding", "restore_recorded", "restore_status_changed"]
