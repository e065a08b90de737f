"""Intake naming an officer evaluation does not know yet is held, not refused: the officer's
facts travel on another topic and may simply be behind (ADR 0040). A hold that outlives the
policy's limit is refused, so nothing waits forever unseen."""

from __future__ import annotations

import datetime as dt

from .policy import Policy
from .refusals import RefusalReason, Refused


def given_up_if_received_by(today: dt.date, policy: Policy) -> dt.date:
    """Holds received on or before this day have waited out their limit by ``today``: the
    limit counts whole days after the day a command was received."""
    return today - dt.timedelta(days=policy.unknown_officer_hold_days + 1)


def unknown_officer(received_on: dt.date, policy: Policy) -> Refused:
    return Refused(
        RefusalReason.UNKNOWN_OFFICER,
        f"officer_id unknown to UMS: no officer.registered fact arrived within "
        f"{policy.unknown_officer_hold_days} days of {received_on.isoformat()}",
    )
