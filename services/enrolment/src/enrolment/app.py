"""Composition root of the enrolment service: the only place that wires adapters together."""

from __future__ import annotations

from fastapi import FastAPI

from convenio_chassis.http_auth import PerCallerRate
from convenio_chassis.runtime import ServiceDefinition, create_app
from convenio_contracts.topics import Principal

from .entrypoints.http import internal_router, router
from .handlers import handlers, prefetch_batch, write_pending_attendance
from .settings import EnrolmentSettings


def definition(settings: EnrolmentSettings) -> ServiceDefinition:
    return ServiceDefinition(
        name="enrolment",
        principal=Principal.SVC_ENROLMENT,
        handlers=handlers(settings.completion_threshold, settings.completion_hours_threshold),
        routers=(
            router,
            internal_router(PerCallerRate("officer_id_lookup", settings.officer_lookup_rate)),
        ),
        # Together: the prefetch lets handlers buffer attendance, the after-batch writes it.
        before_batch=prefetch_batch,
        after_batch=write_pending_attendance,
        description="UMS's system of record for who is trained in what.",
    )


def build(settings: EnrolmentSettings | None = None, **kwargs: bool) -> FastAPI:
    settings = settings or EnrolmentSettings()
    return create_app(definition(settings), settings, **kwargs)
