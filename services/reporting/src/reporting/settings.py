from __future__ import annotations

from typing import Literal

from pydantic import Field

from convenio_chassis.settings import ServiceSettings

from .domain.findings import Thresholds
from .domain.perturbation import FLOOR
from .projection import Settings as ProjectionSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    database_url: str = "sqlite:///var/reporting.db"
    http_port: int = 8003
    small_cell_k: int = Field(
        5,
        ge=FLOOR,
        description="minimum publishable count: a perturbed count (or a rate's perturbed "
        f"denominator) below it, but not 0, is withheld; never below {FLOOR} (ADR 0070)",
    )
    reporting_disclosure_control: Literal["cell-key", "none"] = Field(
        "cell-key",
        description="cell-key: the figures are perturbed (ADR 0070), the only setting for a "
        "feed anyone may read; none: true figures, for tests of the indicators' arithmetic",
    )
    expiry_window_days: int = Field(
        180, ge=1, description="expiry.pipeline counts validities ending within this many days"
    )
    theory_share_tolerance: float = Field(
        0.10, gt=0, lt=1, description="finding: delivered theory share this far from the plan"
    )
    competency_pass_floor: float = Field(
        0.70, gt=0, le=1, description="finding: a competency pass rate below this"
    )
    expiry_backlog_ceiling: float = Field(
        0.25, gt=0, le=1, description="finding: an expiry pipeline share above this"
    )
    finding_grace_days: int = Field(
        30, ge=0, description="rules judge a quarter this many days after its end"
    )
    finding_rules: Literal["on", "off"] = Field("on", description="automatic findings")
    reporting_feed_refresh_interval_s: float = Field(
        1.0,
        ge=0,
        description="at most one feed refresh (recompute and publish the changed tables) per "
        "this many seconds; 0 refreshes in every batch (ADR 0051)",
    )
    reporting_feed_refresh_max_share: float = Field(
        0.25,
        gt=0,
        le=1,
        description="at most this share of the time refreshing: after a refresh of d seconds "
        "the next starts d / share seconds after it began, if the interval is shorter",
    )

    def projection(self) -> ProjectionSettings:
        return ProjectionSettings(
            k=self.small_cell_k,
            expiry_window_days=self.expiry_window_days,
            thresholds=Thresholds(
                self.theory_share_tolerance,
                self.competency_pass_floor,
                self.expiry_backlog_ceiling,
            ),
            grace_days=self.finding_grace_days,
            rules_enabled=self.finding_rules == "on",
            protect=self.reporting_disclosure_control == "cell-key",
        )
