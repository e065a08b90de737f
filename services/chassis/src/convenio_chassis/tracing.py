"""OpenTelemetry wiring. W3C trace context travels in record headers and in outbox rows, so one
agency event is one trace across all three services.

Exporters come from the standard ``OTEL_*`` variables: OTLP when an endpoint is set, nothing
otherwise. A tracer provider is always installed, so trace ids exist and propagate even when
nothing is exported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind

_TRACER_NAME = "convenio"


def setup_tracing(service_name: str) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if _otlp_configured():
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def _otlp_configured() -> bool:
    return os.environ.get("OTEL_TRACES_EXPORTER", "otlp") != "none" and bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def current_trace_headers() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def consume_span(name: str, trace_headers: Mapping[str, str], **attributes: str) -> Iterator[Span]:
    """A consumer span continuing the producer's trace, or starting one if none came in."""
    context = propagate.extract(dict(trace_headers))
    tracer = trace.get_tracer(_TRACER_NAME)
    with tracer.start_as_current_span(
        name, context=context, kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span


@contextmanager
def produce_span(name: str, trace_headers: Mapping[str, str], **attributes: str) -> Iterator[Span]:
    """The relay's publish span: a child of the handler span stored with the outbox row."""
    context = propagate.extract(dict(trace_headers))
    tracer = trace.get_tracer(_TRACER_NAME)
    with tracer.start_as_current_span(
        name, context=context, kind=SpanKind.PRODUCER, attributes=attributes
    ) as span:
        yield span


@contextmanager
def continued_span(
    name: str, trace_headers: Mapping[str, str], **attributes: str
) -> Iterator[Span]:
    """Internal work done later on behalf of an event, kept in that event's trace."""
    context = propagate.extract(dict(trace_headers))
    tracer = trace.get_tracer(_TRACER_NAME)
    with tracer.start_as_current_span(name, context=context, attributes=attributes) as span:
        yield span
