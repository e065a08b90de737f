"""Composition root of the evaluation service."""

from __future__ import annotations

from fastapi import FastAPI

from convenio_chassis.runtime import ServiceDefinition, create_app
from convenio_contracts.topics import Principal

from .adapters.tables import TABLES
from .handlers import HANDLERS
from .settings import EvaluationSettings


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="evaluation",
        principal=Principal.SVC_EVALUATION,
        handlers=HANDLERS,
        tables=TABLES,
        description="UMS's evaluations, CUP components and eligibility.",
    )


def build(settings: EvaluationSettings | None = None, **kwargs: bool) -> FastAPI:
    return create_app(definition(), settings or EvaluationSettings(), **kwargs)
