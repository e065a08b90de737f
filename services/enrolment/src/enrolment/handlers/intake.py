"""What every intake handler shares: unwrapping the command, refusals, dates and ids."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo

import uuid_utils

from convenio_chassis.consumer import Handler, UnitOfWork
from convenio_contracts import CloudEvent
from convenio_contracts.rejections import RejectionReason

from ..domain.refusals import Refused

LOCAL_TIME = ZoneInfo("America/Mexico_City")
C = TypeVar("C")


def command(kind: type[C]) -> Callable[[Callable[[UnitOfWork, C], None]], Handler]:
    """Unwrap the command, and turn a domain refusal into a rejection event."""

    def wrap(fn: Callable[[UnitOfWork, C], None]) -> Handler:
        @functools.wraps(fn)
        def handler(uow: UnitOfWork, event: CloudEvent) -> None:
            assert isinstance(event.data, kind)
            try:
                fn(uow, event.data)
            except Refused as refusal:
                uow.reject(RejectionReason(refusal.reason.value), refusal.message)

        return handler

    return wrap


def local_date(uow: UnitOfWork) -> dt.date:
    """The day the agency sent the command, in the State of Mexico."""
    return uow.event.time.astimezone(LOCAL_TIME).date()


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid_utils.uuid7().hex}"
