"""GET /officers/{officer_id}/cup: an officer's components and what is missing, as of today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from convenio_chassis.http_auth import Role, TokenVerifier
from convenio_chassis.local_issuer import LocalIssuer
from convenio_chassis.runtime import get_session
from evaluation.entrypoints.http import cup_router

from .harness import D, Evaluation, certify, eligible_officer, officer_id, registered


@pytest.fixture
def client(evaluation: Evaluation, local_issuer: LocalIssuer) -> TestClient:
    app = FastAPI()
    app.include_router(cup_router(evaluation.today))
    app.state.token_verifier = TokenVerifier(local_issuer.settings("evaluation"))

    def session() -> Iterator[Session]:
        with evaluation.sessions() as s:
            yield s

    app.dependency_overrides[get_session] = session
    return TestClient(app, headers=local_issuer.bearer("evaluation", Role.UMS_COORDINATOR))


def cup(client: TestClient, n: int) -> dict:
    response = client.get(f"/officers/{officer_id(n)}/cup")
    assert response.status_code == 200, response.text
    return response.json()


def by_component(body: dict) -> dict[str, str]:
    return {c["component"]: c["status"] for c in body["components"]}


def test_an_eligible_officer(client: TestClient, evaluation: Evaluation) -> None:
    evaluation.send(certify(), *eligible_officer(1))
    body = cup(client, 1)
    assert body["eligible"] is True
    assert body["missing_components"] == []
    assert body["earliest_expiry"] == "2029-02-15"
    assert body["as_of"] == "2026-03-01"
    assert by_component(body) == dict.fromkeys(("FI", "C3", "CB", "ED"), "aprobatoria_vigente")


def test_an_officer_with_nothing_yet_misses_all_four(
    client: TestClient, evaluation: Evaluation
) -> None:
    evaluation.send(registered(2))
    body = cup(client, 2)
    assert body["eligible"] is False
    assert body["missing_components"] == ["FI", "C3", "CB", "ED"]
    assert set(by_component(body).values()) == {"sin_evaluacion"}


def test_a_lapse_shows_before_the_scheduler_publishes_it(
    client: TestClient, evaluation: Evaluation
) -> None:
    evaluation.send(certify(), *eligible_officer(1))
    evaluation.today.move_to(D(2029, 2, 16))
    body = cup(client, 1)
    assert body["eligible"] is False
    assert body["missing_components"] == ["C3", "CB", "ED"]
    assert by_component(body)["FI"] == "aprobatoria_vigente"
    assert by_component(body)["C3"] == "aprobatoria_no_vigente"
    evaluation.today.move_to(D(2029, 2, 15))
    assert cup(client, 1)["eligible"] is True


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/officers/{officer_id(404)}/cup", 404),
        ("/officers/CUIPTEST00000001/cup", 422),  # only pseudonyms are looked up
    ],
)
def test_unknown_or_malformed_officers(client: TestClient, path: str, status: int) -> None:
    assert client.get(path).status_code == status


def test_the_api_is_read_only(client: TestClient, evaluation: Evaluation) -> None:
    evaluation.send(registered(1))
    assert client.post(f"/officers/{officer_id(1)}/cup", json={}).status_code == 405
    assert dt.date.fromisoformat(cup(client, 1)["as_of"]) == evaluation.today()
