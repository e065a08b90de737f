"""ONC's read-only API over the published feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session, col, select

from convenio_chassis.runtime import get_session
from convenio_contracts.reporting import IndicatorPublished

from ..adapters.tables import PublishedCell
from ..projection import to_event

router = APIRouter(tags=["feed"])


@router.get("/indicators", response_model=list[IndicatorPublished])
def list_indicators(
    session: Annotated[Session, Depends(get_session)],
    indicator: Annotated[str | None, Query(description="indicator code")] = None,
    period: str | None = None,
    geography: str | None = None,
    level: str | None = None,
) -> list[IndicatorPublished]:
    query = select(PublishedCell).order_by(col(PublishedCell.cell_key))
    for column, wanted in (
        (PublishedCell.indicator, indicator),
        (PublishedCell.period, period),
        (PublishedCell.geography, geography),
        (PublishedCell.level, level),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    return [to_event(row) for row in session.exec(query)]
