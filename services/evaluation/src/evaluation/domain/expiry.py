"""Expiry alerts: ``certification.expiring`` at 180, 90 and 30 days before a component's last
day in force, once each. A scheduler that missed a window (the service was down, the clock
jumped) sends only the tightest window now due: a 180-day alert with 25 days left is noise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def alert_due(
    valid_until: dt.date, on: dt.date, windows: Iterable[int], smallest_sent: int | None
) -> int | None:
    """The window to alert for today, or None. ``smallest_sent`` is the tightest window already
    alerted for this same ``valid_until`` (a renewal starts afresh)."""
    days_left = (valid_until - on).days
    if days_left < 0:
        return None
    due = min((w for w in windows if days_left <= w), default=None)
    if due is None or (smallest_sent is not None and smallest_sent <= due):
        return None
    return due
