"""Officer-scoped intake for an officer evaluation does not know yet waits here until the
officer's facts arrive (ADR 0040); the expiry scheduler gives up on it after a limit."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from convenio_chassis.consumer import Handler, UnitOfWork, batch_memo
from convenio_chassis.db import is_transient
from convenio_contracts import CloudEvent
from convenio_contracts.base import event_class
from convenio_contracts.rejections import RejectionReason
from convenio_contracts.topics import CONSUMER_GROUPS, Principal

from ..adapters.repository import EvaluationRepository
from ..adapters.tables import HeldIntakeRow
from .context import Apply, Context
from .intake import OFFICER_SCOPED

log = logging.getLogger(__name__)
GROUP = CONSUMER_GROUPS[Principal.SVC_EVALUATION]


def hold_unless_known(ctx: Context, apply: Apply[Any]) -> Handler:
    def handler(uow: UnitOfWork, event: CloudEvent) -> None:
        cmd: Any = event.data
        repo = EvaluationRepository(uow.session)
        if repo.officer_known(cmd.officer_id):
            apply(ctx, uow, cmd)
            return
        repo.hold(
            HeldIntakeRow(
                officer_id=cmd.officer_id,
                event_id=event.id,
                event_type=event.type,
                event_source=event.source,
                event_time=event.time.isoformat(),
                payload=cmd.model_dump_json(),
                received_on=ctx.today(),
            )
        )

    return handler


def release_held(ctx: Context, uow: UnitOfWork, officer_id: str) -> None:
    """Apply what waited for this officer, in arrival order, each in its own savepoint: one
    command that fails cannot take the officer's registration down with it."""
    for row in EvaluationRepository(uow.session).release(officer_id):
        event = _held_event(row)
        held_uow = UnitOfWork(uow.session, uow.source, event, GROUP)
        try:
            with uow.session.begin_nested():
                OFFICER_SCOPED[event.type](ctx, held_uow, event.data)
        except Exception as exc:
            batch_memo(uow.session).clear()  # it may hold rows the savepoint took back
            if is_transient(exc):
                raise
            log.exception("held %s %s could not be applied", event.type, event.id)
            held_uow.reject(RejectionReason.INVALID_REQUEST, f"could not be applied: {exc}")


def _held_event(row: HeldIntakeRow) -> CloudEvent:
    kind = event_class(row.event_type)
    assert kind is not None, f"held an event of unknown type {row.event_type}"
    return CloudEvent(
        id=row.event_id,
        source=row.event_source,
        type=row.event_type,
        time=dt.datetime.fromisoformat(row.event_time),
        data=kind.model_validate_json(row.payload),
        subject=row.officer_id,
    )
