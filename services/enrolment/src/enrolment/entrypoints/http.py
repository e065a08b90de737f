"""Read-only HTTP API for UMS staff (a token with a UMS role, ADR 0085). Answers name officers
by ``officer_id`` only: no CUIP, CURP or name ever leaves the service through it. The one
exception is ``/internal``, which maps a CUIP to its ``officer_id``: for UMS evaluators alone,
rate-limited per caller and audited (ADR 0010, ADR 0085)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query
from pydantic import BaseModel, Field
from sqlmodel import Session

from convenio_chassis.http_auth import UMS_STAFF, Caller, PerCallerRate, Role, audit, require_role
from convenio_chassis.runtime import get_session

from ..adapters import queries
from ..adapters.tables import EnrolmentRow

OFFICER_ID = r"^off_[0-9a-f]{32}$"
CUIP = r"^[A-Z0-9]{10,30}$"
IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"

router = APIRouter(tags=["training records"], dependencies=[Depends(require_role(*UMS_STAFF))])
evaluators_only = require_role(Role.UMS_EVALUATOR)


class EnrolmentView(BaseModel):
    enrolment_id: str
    officer_id: str
    offering_id: str
    status: str = Field(description="active, withdrawn, completed or failed")
    enrolled_on: dt.date
    withdrawn_on: dt.date | None = None
    decided_on: dt.date | None = None
    delivered_theory_hours: float | None = None
    delivered_practice_hours: float | None = None
    attendance_rate: float | None = None
    certificate_id: str | None = None


class TrainingEntry(EnrolmentView):
    course_id: str
    course_version: int
    training_type: str
    planned_theory_hours: float
    planned_practice_hours: float


class TrainingRecord(BaseModel):
    officer_id: str
    status: str
    corporation: str
    rank: str
    level: str
    municipality: int
    profile: str
    enrolments: list[TrainingEntry]


class OfferingView(BaseModel):
    offering_id: str
    course_id: str
    course_version: int
    campus: str
    starts_on: dt.date
    ends_on: dt.date
    sessions: int
    capacity: int
    enrolled: int = Field(description="seats taken: every enrolment not withdrawn")
    fill_rate: float = Field(description="enrolled / capacity")
    status: str = Field(description="open or closed")
    closed_on: dt.date | None = None


class OfficerIdView(BaseModel):
    officer_id: str


def _enrolment_fields(row: EnrolmentRow) -> dict[str, object]:
    return row.model_dump(include=set(EnrolmentView.model_fields))


@router.get("/officers/{officer_id}/training", response_model=TrainingRecord)
def officer_training(
    officer_id: Annotated[str, Path(pattern=OFFICER_ID)],
    session: Annotated[Session, Depends(get_session)],
) -> TrainingRecord:
    officer = queries.officer_assignment(session, officer_id)
    if officer is None:
        raise HTTPException(404, "no officer with that id")
    entries = [
        TrainingEntry(
            **_enrolment_fields(enrolment),
            course_id=course.course_id,
            course_version=course.version,
            training_type=course.training_type,
            planned_theory_hours=course.planned_theory_hours,
            planned_practice_hours=course.planned_practice_hours,
        )
        for enrolment, _offering, course in queries.training_of(session, officer_id)
    ]
    return TrainingRecord(
        officer_id=officer.officer_id,
        status=officer.status,
        corporation=officer.assigned_corporation,
        rank=officer.assigned_rank,
        level=officer.assigned_level,
        municipality=officer.assigned_municipality,
        profile=officer.profile,
        enrolments=entries,
    )


def _offering_view(fill: queries.OfferingFill) -> OfferingView:
    o = fill.offering
    return OfferingView(
        offering_id=o.offering_id,
        course_id=o.course_id,
        course_version=o.course_version,
        campus=o.campus,
        starts_on=o.starts_on,
        ends_on=o.ends_on,
        sessions=fill.sessions,
        capacity=o.capacity,
        enrolled=fill.seats_taken,
        fill_rate=round(fill.seats_taken / o.capacity, 4),
        status="closed" if o.closed_on else "open",
        closed_on=o.closed_on,
    )


@router.get("/offerings", response_model=list[OfferingView])
def list_offerings(
    session: Annotated[Session, Depends(get_session)],
    course_id: Annotated[str | None, Query(pattern=IDENTIFIER)] = None,
) -> list[OfferingView]:
    return [_offering_view(f) for f in queries.offerings(session, course_id=course_id)]


@router.get("/offerings/{offering_id}", response_model=OfferingView)
def get_offering(
    offering_id: Annotated[str, Path(pattern=IDENTIFIER)],
    session: Annotated[Session, Depends(get_session)],
) -> OfferingView:
    found = queries.offerings(session, offering_id=offering_id)
    if not found:
        raise HTTPException(404, "no offering with that id")
    return _offering_view(found[0])


@router.get("/enrolments/{enrolment_id}", response_model=EnrolmentView)
def get_enrolment(
    enrolment_id: Annotated[str, Path(pattern=IDENTIFIER)],
    session: Annotated[Session, Depends(get_session)],
) -> EnrolmentView:
    row = queries.enrolment(session, enrolment_id)
    if row is None:
        raise HTTPException(404, "no enrolment with that id")
    return EnrolmentView(**_enrolment_fields(row))


def internal_router(lookups: PerCallerRate) -> APIRouter:
    internal = APIRouter(
        prefix="/internal", tags=["UMS evaluators only"], dependencies=[Depends(evaluators_only)]
    )

    @internal.get("/officer-id", response_model=OfficerIdView)
    def officer_id_of_cuip(
        session: Annotated[Session, Depends(get_session)],
        caller: Annotated[Caller, Depends(evaluators_only)],
        cuip: Annotated[str, Header(alias="X-CUIP", pattern=CUIP)],
    ) -> OfficerIdView:
        """UMS evaluators only: the pseudonym of a CUIP, so evaluators can name officers by
        ``officer_id``. Each lookup is counted against the caller's rate and audited (who, which
        pseudonym, the outcome; never the CUIP).

        The CUIP travels in a header, not the URL, so access logs and proxies never record it.
        """
        try:
            lookups.admit(caller)
        except HTTPException:
            audit("officer_id_lookup", caller, "rate_limited")
            raise
        officer_id = queries.officer_id_for(session, cuip)
        audit(
            "officer_id_lookup",
            caller,
            "found" if officer_id else "not_found",
            officer_id=officer_id,
        )
        if officer_id is None:
            raise HTTPException(404, "no officer is registered with that CUIP")
        return OfficerIdView(officer_id=officer_id)

    return internal
