"""Every service serves the AsyncAPI document and the JSON Schemas, at the very URLs that
``ce_dataschema`` and ``$id`` name: a reader resolves a record's schema from its header."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from convenio_contracts import all_event_classes, asyncapi
from convenio_contracts.envelope import SCHEMA_BASE, consumer_dataschema, dataschema
from enrolment.app import build as build_enrolment
from enrolment.settings import EnrolmentSettings
from evaluation.app import build as build_evaluation
from evaluation.settings import EvaluationSettings
from reporting.app import build as build_reporting
from reporting.settings import ReportingSettings

BUILDERS: dict[str, Callable[[str], FastAPI]] = {
    "enrolment": lambda url: build_enrolment(
        EnrolmentSettings(database_url=url), configure_process=False
    ),
    "evaluation": lambda url: build_evaluation(
        EvaluationSettings(database_url=url), configure_process=False
    ),
    "reporting": lambda url: build_reporting(
        ReportingSettings(database_url=url), configure_process=False
    ),
}


@pytest.fixture(params=sorted(BUILDERS))
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    # Not started (no lifespan): no broker, no relay; the routes need neither.
    app = BUILDERS[request.param](f"sqlite:///{tmp_path / 'service.db'}")
    yield TestClient(app)
    app.state.runtime.engine.dispose()


def test_the_asyncapi_document_served_is_the_committed_one(client: TestClient) -> None:
    response = client.get("/asyncapi")
    assert response.status_code == 200
    assert response.json() == json.loads(asyncapi.DOCUMENT.read_text())


def test_every_dataschema_header_resolves_to_the_schema_with_that_id(client: TestClient) -> None:
    assert urlparse(SCHEMA_BASE).path == "/schemas/"
    for event_type in all_event_classes():
        for url in (dataschema(event_type), consumer_dataschema(event_type)):
            response = client.get(urlparse(url).path)
            assert response.status_code == 200, url
            assert response.json()["$id"] == url


def test_an_unknown_schema_is_not_found(client: TestClient) -> None:
    assert client.get("/schemas/mx.convenio.nothing.v1.json").status_code == 404
