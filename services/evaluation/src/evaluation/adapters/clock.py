"""Where "today" comes from. Production reads the system clock in Mexico City time.

``FileClock`` exists for tests that run the service as a real process and need to move its
date (expiry alerts fire months apart): it reads an ISO date from a file on every call. It is
used only when ``EVALUATION_CLOCK_FILE`` is set, which no deployment does (ADR 0042).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from ..domain.dates import Clock

LOCAL_TIME = ZoneInfo("America/Mexico_City")
log = logging.getLogger(__name__)


def system_clock(zone: dt.tzinfo = LOCAL_TIME) -> Clock:
    def today() -> dt.date:
        return dt.datetime.now(zone).date()

    return today


class FileClock:
    """Today is the date written in a file; an unreadable file keeps the last good date."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last = self._read()  # a missing or bad file at start-up is a configuration error

    def _read(self) -> dt.date:
        return dt.date.fromisoformat(self.path.read_text().strip())

    def __call__(self) -> dt.date:
        try:
            self._last = self._read()
        except (OSError, ValueError) as exc:
            log.warning("clock file %s unreadable, keeping %s: %r", self.path, self._last, exc)
        return self._last
