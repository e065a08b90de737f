"""Read-only HTTP for UMS staff (a token with a UMS role, ADR 0085): an officer's CUP, read
as of today.

Components are read through the same domain rule the scheduler applies, so an approval whose
last day has passed shows as lapsed even before the next scheduler tick publishes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel
from sqlmodel import Session

from convenio_chassis.http_auth import UMS_STAFF, require_role
from convenio_chassis.runtime import get_session
from convenio_contracts.evaluation import ComponentStatus, CupComponent

from ..adapters.repository import EvaluationRepository
from ..domain import cup
from ..domain.dates import Clock

OfficerIdPath = Annotated[str, Path(pattern=r"^off_[0-9a-f]{32}$")]


class ComponentView(BaseModel):
    component: CupComponent
    status: ComponentStatus
    valid_from: dt.date | None
    valid_until: dt.date | None


class CupView(BaseModel):
    officer_id: str
    as_of: dt.date
    eligible: bool
    missing_components: list[CupComponent]
    earliest_expiry: dt.date | None
    components: list[ComponentView]


def cup_router(today: Clock) -> APIRouter:
    router = APIRouter(tags=["cup"], dependencies=[Depends(require_role(*UMS_STAFF))])

    @router.get("/officers/{officer_id}/cup", response_model=CupView)
    def officer_cup(
        officer_id: OfficerIdPath, session: Annotated[Session, Depends(get_session)]
    ) -> CupView:
        repo = EvaluationRepository(session)
        if not (repo.officer_known(officer_id) or repo.has_components(officer_id)):
            raise HTTPException(404, "officer not known to evaluation")
        on = today()
        published = repo.published_states(officer_id)
        scheduled = repo.scheduled_components(officer_id)
        states = {
            c: published.get(c, cup.NOT_EVALUATED).read_on(on, scheduled=c in scheduled)
            for c in cup.Component
        }
        officer = repo.officer(officer_id)
        active = officer is None or officer.status == cup.ACTIVE
        eligibility = cup.eligibility(states, on, active=active)
        return CupView(
            officer_id=officer_id,
            as_of=on,
            eligible=eligibility.eligible,
            missing_components=[CupComponent(c.value) for c in eligibility.missing],
            earliest_expiry=eligibility.earliest_expiry,
            components=[
                ComponentView(
                    component=CupComponent(c.value),
                    status=ComponentStatus(s.status.value),
                    valid_from=s.valid_from,
                    valid_until=s.valid_until,
                )
                for c, s in states.items()
            ],
        )

    return router
