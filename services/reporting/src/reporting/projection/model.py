"""The projection's parameters and what a refresh did."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.findings import Thresholds


@dataclass(frozen=True)
class Settings:
    """The projection's parameters, from ``ReportingSettings`` (which holds the defaults)."""

    k: int
    expiry_window_days: int
    thresholds: Thresholds
    grace_days: int
    rules_enabled: bool = True
    protect: bool = True
    """Cell-key perturbation (ADR 0070). ``False`` publishes true figures: for tests of the
    indicators' arithmetic only (``REPORTING_DISCLOSURE_CONTROL=none``)."""


@dataclass
class Outcome:
    tables: int = 0
    published: int = 0
    withdrawn: int = 0
    findings: int = 0
