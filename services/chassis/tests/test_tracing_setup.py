"""Exporters and the service's identity come from the standard ``OTEL_*`` variables."""

from __future__ import annotations

import pytest
from opentelemetry import propagate
from opentelemetry.context import Context

from convenio_chassis.tracing import otlp_configured, resource, tracer_provider

OTEL = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_TRACES_EXPORTER",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OTEL:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("environment", "exports"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, False),
    ],
)
def test_otlp_is_exported_only_when_an_endpoint_is_set(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], exports: bool
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert otlp_configured() is exports


def test_the_service_is_named_by_the_code_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging")
    assert resource("enrolment").attributes["service.name"] == "enrolment"
    assert resource("enrolment").attributes["deployment.environment"] == "staging"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "enrolment-canary")
    assert resource("enrolment").attributes["service.name"] == "enrolment-canary"


AGENCY_TRACE = "0af7651916cd43dd8448eb211c80319c"
AGENCY = {"traceparent": f"00-{AGENCY_TRACE}-b7ad6b7169203331-01"}


def test_with_nothing_to_export_spans_are_not_recorded_but_the_trace_goes_on() -> None:
    tracer = tracer_provider("enrolment").get_tracer("t")
    span = tracer.start_span("x", context=propagate.extract(AGENCY, context=Context()))
    assert not span.is_recording()
    assert f"{span.get_span_context().trace_id:032x}" == AGENCY_TRACE
    assert f"{span.get_span_context().span_id:016x}" != "b7ad6b7169203331", "a hop of its own"
    root = tracer.start_span("y", context=Context())  # no traceparent came in: a trace anyway
    assert root.get_span_context().is_valid


def test_with_an_endpoint_spans_are_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    provider = tracer_provider("enrolment")
    try:
        span = provider.get_tracer("t").start_span("x", context=Context())
        assert span.is_recording()
        span.end()
    finally:
        provider.shutdown()


@pytest.mark.parametrize(
    "traceparent",
    [
        f"00-{AGENCY_TRACE}-b7ad6b7169203331-01",
        f"00-{AGENCY_TRACE}-b7ad6b7169203331-00",
        f"00-{AGENCY_TRACE.upper()}-b7ad6b7169203331-01",
        f" 00-{AGENCY_TRACE}-b7ad6b7169203331-01",
        f"00-{'0' * 32}-b7ad6b7169203331-01",
        f"00-{AGENCY_TRACE}-{'0' * 16}-01",
        f"ff-{AGENCY_TRACE}-b7ad6b7169203331-01",
        f"01-{AGENCY_TRACE}-b7ad6b7169203331-01-extra",
        f"00-{AGENCY_TRACE}-b7ad6b7169203331-01-extra",
        f"00-{AGENCY_TRACE[:-1]}g-b7ad6b7169203331-01",
        f"00-{AGENCY_TRACE[:-1]}٣-b7ad6b7169203331-01",
        f"00-+{AGENCY_TRACE[1:]}-b7ad6b7169203331-01",
        "garbage",
        "",
    ],
)
def test_the_quick_traceparent_reading_agrees_with_the_propagator(traceparent: str) -> None:
    from opentelemetry import trace

    from convenio_chassis.tracing import _parent

    quick = trace.get_current_span(_parent({"traceparent": traceparent})).get_span_context()
    standard = trace.get_current_span(
        propagate.extract({"traceparent": traceparent}, context=Context())
    ).get_span_context()
    assert (quick.trace_id, quick.span_id, quick.trace_flags, quick.is_valid) == (
        standard.trace_id,
        standard.span_id,
        standard.trace_flags,
        standard.is_valid,
    )
