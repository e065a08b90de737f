"""What every handler is given besides its unit of work, and the wrappers they share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from convenio_chassis.consumer import Handler, UnitOfWork
from convenio_contracts import CloudEvent, Event
from convenio_contracts.rejections import RejectionReason

from ..domain.dates import Clock
from ..domain.policy import Policy
from ..domain.refusals import Refused


@dataclass(frozen=True)
class Context:
    policy: Policy
    today: Clock


E = TypeVar("E", bound=Event)
Apply = Callable[[Context, UnitOfWork, E], None]
"""A handler body: the context, the unit of work and the decoded event."""


def refusable(apply: Apply[E]) -> Apply[E]:
    """Turn a domain refusal into a rejection event to the command's publisher. Bodies refuse
    before they write, so nothing of a refused command is kept."""

    @functools.wraps(apply)
    def refusing(ctx: Context, uow: UnitOfWork, cmd: E) -> None:
        try:
            apply(ctx, uow, cmd)
        except Refused as refusal:
            uow.reject(RejectionReason(refusal.reason.value), refusal.message)

    return refusing


def typed(ctx: Context, kind: type[E], apply: Apply[E]) -> Handler:
    """The chassis's handler signature around a body that takes the decoded event."""

    def handler(uow: UnitOfWork, event: CloudEvent) -> None:
        assert isinstance(event.data, kind)
        apply(ctx, uow, event.data)

    return handler
