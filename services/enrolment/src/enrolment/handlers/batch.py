"""Before a batch's handlers run: what its commands name, loaded at once (ADR 0050)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from convenio_contracts import CloudEvent
from convenio_contracts.enrolment import (
    ChangeOfficerAssignment,
    CloseOffering,
    RecordAttendance,
    RegisterOfficer,
    RequestEnrolment,
    VoidAttendance,
    WithdrawEnrolment,
)

from ..adapters.prefetch import Wants, prefetch

_ABOUT_AN_OFFICER = (RegisterOfficer, ChangeOfficerAssignment)
_ABOUT_AN_ENROLMENT = (RequestEnrolment, WithdrawEnrolment)
_ABOUT_A_SESSION = (RecordAttendance, VoidAttendance)


def wants(events: Sequence[CloudEvent]) -> Wants:
    """Every officer, offering, enrolment and session the commands will look up."""
    wanted = Wants()
    for event in events:
        cmd = event.data
        if isinstance(cmd, _ABOUT_A_SESSION):
            wanted.cuips.add(cmd.cuip)
            wanted.offerings.add(cmd.offering_id)
            wanted.enrolments.add((cmd.cuip, cmd.offering_id))
            wanted.sessions.add((cmd.cuip, cmd.offering_id, cmd.session_id))
        elif isinstance(cmd, _ABOUT_AN_ENROLMENT):
            wanted.cuips.add(cmd.cuip)
            wanted.offerings.add(cmd.offering_id)
            wanted.enrolments.add((cmd.cuip, cmd.offering_id))
            if isinstance(cmd, RequestEnrolment):
                wanted.seats.add(cmd.offering_id)
        elif isinstance(cmd, _ABOUT_AN_OFFICER):
            wanted.cuips.add(cmd.cuip)
        elif isinstance(cmd, CloseOffering):
            wanted.offerings.add(cmd.offering_id)
    return wanted


def prefetch_batch(session: Session, events: Sequence[CloudEvent]) -> None:
    """The chassis's ``before_batch``; ``write_pending_attendance`` is its ``after_batch``."""
    prefetch(session, wants(events))
