"""The ONC feed: aggregated indicators only, never an officer's identity or pseudonym."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from .base import Event, register
from .common import Identifier


class PeriodType(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class LevelFilter(StrEnum):
    ALL = "all"
    ESTATAL = "estatal"
    MUNICIPAL = "municipal"


@register
class IndicatorPublished(Event):
    """One cell of one indicator. The feed topic is compacted on ``cell_key``: latest wins."""

    event_type: ClassVar[str] = "mx.convenio.reporting.indicator.published.v1"
    key_field: ClassVar[str] = "cell_key"

    cell_key: str = Field(description="indicator:period:geography[:breakdown]")
    indicator: Identifier
    methodology_version: Identifier
    period: Annotated[str, Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")]
    period_type: PeriodType
    geography: Annotated[
        str, Field(pattern=r"^(state:15|municipality:150\d\d|municipality:151[0-2]\d)$")
    ]
    level: LevelFilter = LevelFilter.ALL
    breakdown: str = "all"
    value: float | None
    numerator: int | None
    denominator: int | None
    suppressed: bool
    revision: Annotated[int, Field(ge=1)]
    computed_at: dt.datetime

    @model_validator(mode="after")
    def _suppressed_has_no_value(self) -> IndicatorPublished:
        if self.suppressed and (self.value is not None or self.numerator is not None):
            raise ValueError("a suppressed cell carries no value")
        return self
