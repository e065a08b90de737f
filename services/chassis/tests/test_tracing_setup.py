"""Exporters and the service's identity come from the standard ``OTEL_*`` variables."""

from __future__ import annotations

import pytest

from convenio_chassis.tracing import otlp_configured, resource

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
