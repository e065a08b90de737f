"""Composition root of the reporting service (ONC)."""

from __future__ import annotations

from fastapi import FastAPI

from convenio_chassis.runtime import ServiceDefinition, create_app
from convenio_contracts.topics import Principal

from .entrypoints.http import router
from .handlers import HANDLERS
from .refresher import TimedRefresh
from .settings import ReportingSettings


def definition(settings: ReportingSettings) -> ServiceDefinition:
    refresher = TimedRefresh(
        settings.projection(),
        settings.reporting_feed_refresh_interval_s,
        max_share=settings.reporting_feed_refresh_max_share,
    )
    return ServiceDefinition(
        name="reporting",
        principal=Principal.SVC_REPORTING,
        handlers=HANDLERS,
        routers=(router,),
        after_batch=refresher.after_batch,
        background=(refresher.job(),),
        public_docs=True,  # an observatory's API: its feed and its documentation are public
        description=(
            "ONC's feed: aggregated indicators of police training, protected by cell-key "
            "perturbation (methodology 2.0), "
            "and findings (areas of opportunity). No identity is ever stored or served."
        ),
    )


def build(settings: ReportingSettings | None = None, **kwargs: bool) -> FastAPI:
    settings = settings or ReportingSettings()
    return create_app(definition(settings), settings, **kwargs)
