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


class FindingScope(StrEnum):
    COURSE = "course"
    INSTRUCTOR = "instructor"
    CORPORATION = "corporation"
    MUNICIPALITY = "municipality"
    COMPETENCY = "competency"
    STATE = "state"


class FindingSeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FindingStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class FindingActor(StrEnum):
    ONC = "onc"
    UMS = "ums"
    RULE = "rule"


class _FindingBody(Event):
    finding_id: Identifier
    scope: FindingScope
    scope_ref: Identifier = Field(description="the course, instructor, corporation or INEGI code")
    category: Identifier = Field(description="e.g. theory_practice_balance, pass_rate")
    severity: FindingSeverity
    title: Annotated[str, Field(min_length=1, max_length=200)]
    evidence: Annotated[str, Field(max_length=4000)] = Field(
        description="aggregates only: never an officer's identity or pseudonym"
    )
    period: Annotated[str, Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")] | None = None


@register
class RecordFinding(_FindingBody):
    """An ONC analyst records an area of opportunity."""

    event_type: ClassVar[str] = "mx.convenio.reporting.finding.record.v1"
    key_field: ClassVar[str] = "finding_id"


@register
class ChangeFindingStatus(Event):
    """ONC moves a finding along its lifecycle (on ONC's channel, ``reporting.intake.v1``).

    The actor is the channel's party, never what the message says: ``actor`` must be ``onc``
    here, and anything else is refused. UMS answers with :class:`RespondToFinding` on its own
    channel."""

    event_type: ClassVar[str] = "mx.convenio.reporting.finding.change_status.v1"
    key_field: ClassVar[str] = "finding_id"

    finding_id: Identifier
    status: FindingStatus
    actor: FindingActor
    note: Annotated[str, Field(max_length=4000)] = ""


@register
class RespondToFinding(Event):
    """UMS responds to a finding, on UMS's channel (``reporting.responses.intake.v1``): it
    acknowledges it, reports progress, or answers without a status change (with a note).
    There is no actor field: the channel says it is UMS, and only UMS may write there."""

    event_type: ClassVar[str] = "mx.convenio.reporting.finding.respond.v1"
    key_field: ClassVar[str] = "finding_id"

    finding_id: Identifier
    status: FindingStatus = Field(
        description="the status UMS moves the finding to, or its current one for an answer"
    )
    note: Annotated[str, Field(max_length=4000)] = ""


@register
class FindingRecorded(_FindingBody):
    event_type: ClassVar[str] = "mx.convenio.reporting.finding.recorded.v1"
    key_field: ClassVar[str] = "finding_id"

    origin: FindingActor
    rule: Identifier | None = Field(None, description="the automatic rule that raised it")
    recorded_at: dt.datetime


@register
class FindingStatusChanged(Event):
    event_type: ClassVar[str] = "mx.convenio.reporting.finding.status_changed.v1"
    key_field: ClassVar[str] = "finding_id"

    finding_id: Identifier
    status: FindingStatus
    previous_status: FindingStatus
    actor: FindingActor
    note: Annotated[str, Field(max_length=4000)] = ""
    changed_at: dt.datetime
