"""The parameters the rules take; filled from settings by the composition root."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Policy:
    pass_mark: float = 70.0
    """Knowledge score (0-100) a competency needs, together with a practical ``cumple``."""
    c3_validity_years: int = 3
    cb_validity_years: int = 3
    ed_validity_years: int = 3
    alert_days: tuple[int, ...] = (180, 90, 30)
    """Days before expiry at which ``certification.expiring`` goes out, once each."""
    unknown_officer_hold_days: int = 7
    """How long intake naming an officer not yet known is held before it is rejected."""
    catalogue_2020_from: dt.date = dt.date(2020, 1, 1)
    """The day the 2020 competency catalogue took effect: results dated from then on must use
    it. A parameter: the agreement does not date it and we could not verify it (ADR 0075)."""

    fi_required_hours: Mapping[str, float] = field(
        default_factory=lambda: {
            "formacion_inicial": 972.0,
            "formacion_inicial_equivalente": 486.0,
        }
    )
    """Hours of each training type that gives FI that must be delivered for it to give FI."""
    feedback_requires_enrolment: bool = True
    """Course feedback must name its enrolment (one response each); false only while v1
    clients that send none are migrated, and then only the instructor is checked."""

    def __post_init__(self) -> None:
        if not self.alert_days or min(self.alert_days) < 0:
            raise ValueError("alert_days needs at least one non-negative window")
