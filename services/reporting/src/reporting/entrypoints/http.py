"""ONC's read-only API over the published feed: indicators (JSON or CSV), their definitions,
and findings with their lifecycle. Everything served is an aggregate or a finding; nothing
here can name an officer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session, col, select

from convenio_chassis.runtime import get_session
from convenio_contracts.reporting import IndicatorPublished

from ..adapters import marks
from ..adapters.tables import FindingChange, FindingRow, PublishedCell
from ..domain.catalogue import FAMILIES, INDICATORS
from ..domain.feed import as_datetime
from ..domain.perturbation import PTABLE_VERSION
from ..projection import to_event

router = APIRouter(tags=["feed"])
CSV_COLUMNS = tuple(IndicatorPublished.model_fields)
CURRENT_AS_OF = "X-Feed-Current-As-Of"


class IndicatorDefinition(BaseModel):
    code: str
    title: str
    definition: str
    unit: str
    methodology_version: str
    kind: str
    numerator: str
    denominator: str | None
    breakdowns: list[str]
    geographies: list[str]
    suppression: str


class FindingChangeView(BaseModel):
    status: str
    previous_status: str
    actor: str
    note: str
    changed_at: str


class FindingView(BaseModel):
    finding_id: str
    scope: str
    scope_ref: str
    category: str
    severity: str
    title: str
    evidence: str
    period: str | None
    origin: str
    rule: str | None
    status: str
    recorded_at: str
    closed_at: str | None
    history: list[FindingChangeView]


@router.get(
    "/indicators",
    response_model=list[IndicatorPublished],
    responses={200: {"content": {"text/csv": {}}, "description": "the cells, JSON or CSV"}},
)
def list_indicators(
    request: Request,
    response: Response,
    session: Annotated[Session, Depends(get_session)],
    indicator: Annotated[str | None, Query(description="indicator code")] = None,
    period: Annotated[str | None, Query(description="2026, 2026-Q1 or 2026-03")] = None,
    period_type: Annotated[Literal["month", "quarter", "year"] | None, Query()] = None,
    geography: Annotated[str | None, Query(description="state:15 or municipality:15106")] = None,
    level: Annotated[Literal["all", "estatal", "municipal"] | None, Query()] = None,
    breakdown: Annotated[str | None, Query(description="all, sex:mujer, course:C-1 ...")] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(description="or Accept")] = None,
) -> list[IndicatorPublished] | Response:
    query = (
        select(PublishedCell)
        .where(col(PublishedCell.withdrawn).is_(False))
        .order_by(col(PublishedCell.cell_key))
    )
    for column, wanted in (
        (PublishedCell.indicator, indicator),
        (PublishedCell.period, period),
        (PublishedCell.period_type, period_type),
        (PublishedCell.geography, geography),
        (PublishedCell.level, level),
        (PublishedCell.breakdown, breakdown),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    as_of = current_as_of(session)
    cells = [to_event(row.model_dump()) for row in session.exec(query)]
    headers = {CURRENT_AS_OF: as_of} if as_of else {}
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        return Response(as_csv(cells), media_type="text/csv; charset=utf-8", headers=headers)
    response.headers.update(headers)
    return cells


def current_as_of(session: Session) -> str | None:
    """When the feed was last up to date (ADR 0051): now if no refresh is waiting, else the
    start of the latest completed refresh; every fact committed before it is served."""
    now = time.time()
    moment = marks.refreshed_at(session) if marks.any_pending(session) else now
    if moment is None:
        return None
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat()


def as_csv(cells: list[IndicatorPublished]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for cell in cells:
        writer.writerow(cell.model_dump(mode="json"))
    return out.getvalue()


@router.get("/indicators/definitions", response_model=list[IndicatorDefinition])
def list_definitions() -> list[IndicatorDefinition]:
    """The registry ONC cites: code, definition, unit and methodology version of each."""
    return [
        IndicatorDefinition(
            code=i.code,
            title=i.title,
            definition=i.definition,
            unit=i.unit,
            methodology_version=i.methodology_version,
            kind=i.kind.value,
            numerator=i.numerator,
            denominator=i.denominator,
            breakdowns=["all", *i.breakdowns],
            geographies=_geographies(i.family, i.state_only),
            suppression=(
                f"cell-key perturbation ({PTABLE_VERSION}) of every count of "
                f"{FAMILIES[i.family].officers}; a perturbed count of 1 to k-1 is withheld; "
                "totals need not add up"
                if FAMILIES[i.family].protected
                else "none: counts no people"
            ),
        )
        for i in INDICATORS
    ]


def _geographies(family: str, state_only: bool) -> list[str]:
    shape = FAMILIES[family].shape
    return ["state"] if state_only or not shape.by_municipality else ["state", "municipality"]


@router.get("/findings", response_model=list[FindingView])
def list_findings(
    session: Annotated[Session, Depends(get_session)],
    status: Annotated[
        Literal["open", "acknowledged", "in_progress", "closed"] | None, Query()
    ] = None,
    scope: str | None = None,
    category: str | None = None,
    origin: Annotated[Literal["onc", "rule"] | None, Query()] = None,
) -> list[FindingView]:
    query = select(FindingRow).order_by(col(FindingRow.finding_id))
    for column, wanted in (
        (FindingRow.status, status),
        (FindingRow.scope, scope),
        (FindingRow.category, category),
        (FindingRow.origin, origin),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    return finding_views(session, list(session.exec(query)))


def finding_views(session: Session, rows: list[FindingRow]) -> list[FindingView]:
    changes = _history(session, [r.finding_id for r in rows])
    return [_view(r, changes.get(r.finding_id, [])) for r in rows]


@router.get("/findings/{finding_id}", response_model=FindingView)
def get_finding(finding_id: str, session: Annotated[Session, Depends(get_session)]) -> FindingView:
    row = session.get(FindingRow, finding_id)
    if row is None:
        raise HTTPException(404, f"no finding {finding_id}")
    return _view(row, _history(session, [finding_id]).get(finding_id, []))


def _history(session: Session, ids: list[str]) -> dict[str, list[FindingChangeView]]:
    out: dict[str, list[FindingChangeView]] = {}
    if not ids:
        return out
    query = (
        select(FindingChange)
        .where(col(FindingChange.finding_id).in_(ids))
        .order_by(col(FindingChange.finding_id), col(FindingChange.seq))
    )
    for c in session.exec(query):
        out.setdefault(c.finding_id, []).append(
            FindingChangeView(
                status=c.status,
                previous_status=c.previous_status,
                actor=c.actor,
                note=c.note,
                changed_at=as_datetime(c.changed_at).isoformat(),
            )
        )
    return out


def _view(row: FindingRow, history: list[FindingChangeView]) -> FindingView:
    return FindingView(
        **row.model_dump(exclude={"recorded_at", "closed_at", "as_of"}),
        recorded_at=as_datetime(row.recorded_at).isoformat(),
        closed_at=as_datetime(row.closed_at).isoformat() if row.closed_at else None,
        history=history,
    )
