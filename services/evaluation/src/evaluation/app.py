"""Composition root of the evaluation service: the only place that builds the clock, the
handlers, the HTTP router and the expiry scheduler, and only when called."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from convenio_chassis.runtime import ServiceDefinition, create_app
from convenio_contracts.topics import Principal

from .adapters.clock import FileClock, system_clock
from .domain.dates import Clock
from .entrypoints.http import cup_router
from .handlers import before_batch, handlers
from .scheduler import expiry_job
from .settings import EvaluationSettings

log = logging.getLogger(__name__)


def clock(settings: EvaluationSettings) -> Clock:
    if settings.evaluation_clock_file is None:
        return system_clock()
    log.warning(
        "EVALUATION_CLOCK_FILE is set: today is read from %s. This is for tests only.",
        settings.evaluation_clock_file,
    )
    return FileClock(settings.evaluation_clock_file)


def definition(settings: EvaluationSettings) -> ServiceDefinition:
    policy, today = settings.policy(), clock(settings)
    return ServiceDefinition(
        name="evaluation",
        principal=Principal.SVC_EVALUATION,
        handlers=handlers(policy, today),
        before_batch=before_batch,
        routers=(cup_router(today),),
        background=(
            expiry_job(
                policy,
                today,
                settings.expiry_scheduler_interval_s,
                settings.expiry_scheduler_batch,
            ),
        ),
        description="UMS's evaluations, CUP components, eligibility and expiry alerts.",
    )


def build(settings: EvaluationSettings | None = None, **kwargs: bool) -> FastAPI:
    settings = settings or EvaluationSettings()
    return create_app(definition(settings), settings, **kwargs)
