"""Keeps each officer's published CUP components and eligibility in step with the evidence,
emitting ``cup_component.status_changed`` for every change and ``cup.eligibility_changed``
when eligibility flips or, while eligible, its earliest expiry moves (ADR 0075). Handlers and
the expiry scheduler both come through here, so a result and the passing of time follow the
same rules."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlmodel import Session

from convenio_contracts import Event
from convenio_contracts.evaluation import (
    ComponentStatus,
    CupComponent,
    CupComponentStatusChanged,
    CupEligibilityChanged,
)

from .adapters.repository import EvaluationRepository
from .domain import cup
from .domain.policy import Policy

EXPIRY = "expiry"


class Outbox(Protocol):
    """What writes facts in the current transaction: a handler's unit of work or a tick's."""

    session: Session

    def emit(self, event: Event) -> object: ...


def refresh(
    out: Outbox, officer_id: str, policy: Policy, today: dt.date, cause: str
) -> cup.Eligibility:
    """Recompute the officer's four components as of ``today`` and publish what changed."""
    repo = EvaluationRepository(out.session)
    published_eligibility = repo.lock_cup(officer_id, today)
    evidence = repo.evidence(officer_id)
    states = cup.components(evidence, policy, today)
    published = repo.published_states(officer_id)
    for component, state in states.items():
        before = published.get(component, cup.NOT_EVALUATED)
        if state == before:
            continue
        repo.publish_state(officer_id, component, state, today)
        # a change that reading the old state on a later day explains is the passing of time
        lapsed = before.read_on(today, scheduled=component in evidence.scheduled) == state
        out.emit(_status_changed(officer_id, component, before, state, today, lapsed, cause))
    eligibility = cup.eligibility(states, today, active=evidence.active)
    if cup.republish(
        published_eligibility.eligible,
        published_eligibility.earliest_expiry,
        eligibility.eligible,
        eligibility.earliest_expiry,
    ):
        published_eligibility.eligible = eligibility.eligible
        published_eligibility.earliest_expiry = eligibility.earliest_expiry
        published_eligibility.changed_on = today
        out.session.add(published_eligibility)
        out.emit(
            CupEligibilityChanged(
                officer_id=officer_id,
                eligible=eligibility.eligible,
                missing_components=tuple(CupComponent(c.value) for c in eligibility.missing),
                earliest_expiry=eligibility.earliest_expiry,
                changed_on=today,
            )
        )
    return eligibility


def _status_changed(
    officer_id: str,
    component: cup.Component,
    before: cup.ComponentState,
    state: cup.ComponentState,
    today: dt.date,
    lapsed: bool,
    cause: str,
) -> CupComponentStatusChanged:
    return CupComponentStatusChanged(
        officer_id=officer_id,
        component=CupComponent(component.value),
        status=ComponentStatus(state.status.value),
        previous_status=ComponentStatus(before.status.value),
        valid_from=state.valid_from,
        valid_until=state.valid_until,
        changed_on=today,
        effective_on=cup.effective_on(before, state, lapsed),
        source=EXPIRY if lapsed else cause,
    )
