"""The parameters the rules take; filled from settings by the composition root."""

from __future__ import annotations

from dataclasses import dataclass


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

    def __post_init__(self) -> None:
        if not self.alert_days or min(self.alert_days) < 0:
            raise ValueError("alert_days needs at least one non-negative window")
