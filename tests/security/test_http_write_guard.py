"""Read endpoints stay open; a write endpoint refuses without the right bearer token, and
refuses everyone while no token digest is configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from convenio_chassis.http_auth import require_write_token, token_digest
from convenio_chassis.runtime import ServiceDefinition, create_app
from convenio_chassis.settings import HttpSettings, ServiceSettings
from convenio_contracts.topics import Principal

TOKEN = "s3cret-analyst-token"


def _service(tmp_path: Path, http: HttpSettings) -> TestClient:
    """A real service app (the chassis runtime) with one read and one guarded write route;
    the lifespan is not entered, so no broker or database is touched."""
    router = APIRouter()

    @router.get("/findings")
    def list_findings() -> list[str]:
        return []

    @router.post("/findings", dependencies=[Depends(require_write_token)], status_code=202)
    def record_finding() -> dict[str, str]:
        return {"status": "accepted"}

    definition = ServiceDefinition(
        name="guarded", principal=Principal.SVC_REPORTING, handlers={}, routers=(router,)
    )
    settings = ServiceSettings(database_url=f"sqlite:///{tmp_path}/db.sqlite", http=http)
    return TestClient(create_app(definition, settings, configure_process=False))


@pytest.fixture
def guarded(tmp_path: Path) -> TestClient:
    return _service(tmp_path, HttpSettings(write_token_sha256=token_digest(TOKEN)))


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Basic YWRtaW46YWRtaW4="}, 401),
        ({"Authorization": "Bearer "}, 401),
        ({"Authorization": "Bearer wrong-token"}, 403),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403),
        ({"Authorization": f"Bearer {token_digest(TOKEN)}"}, 403),  # the digest is not the token
        ({"Authorization": f"Bearer {TOKEN}"}, 202),
        ({"Authorization": f"bearer {TOKEN}"}, 202),
    ],
)
def test_a_write_needs_the_bearer_token(
    guarded: TestClient, headers: dict[str, str], status: int
) -> None:
    assert guarded.post("/findings", headers=headers).status_code == status


def test_reads_need_no_token(guarded: TestClient) -> None:
    assert guarded.get("/findings").status_code == 200
    assert guarded.get("/health/live").status_code == 200


def test_without_a_configured_digest_every_write_is_refused(tmp_path: Path) -> None:
    open_service = _service(tmp_path, HttpSettings())
    response = open_service.post("/findings", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403


def test_the_digest_can_come_from_a_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "write-token.sha256"
    secret.write_text(token_digest(TOKEN) + "\n")
    monkeypatch.setenv("HTTP_WRITE_TOKEN_SHA256_FILE", str(secret))
    settings = HttpSettings()
    assert settings.write_token_sha256 is not None
    assert settings.write_token_sha256.get_secret_value() == token_digest(TOKEN)
    assert TOKEN not in repr(settings)
    assert token_digest(TOKEN) not in repr(settings)


def _unguarded_writes(app: FastAPI) -> list[str]:
    found = []
    for route in app.routes:
        methods = set(getattr(route, "methods", None) or ()) - {"GET", "HEAD", "OPTIONS"}
        dependant = getattr(route, "dependant", None)
        guards = {d.call for d in dependant.dependencies} if dependant else set()
        if methods and require_write_token not in guards:
            found.append(f"{sorted(methods)} {getattr(route, 'path', '?')}")
    return found


def test_the_route_check_tells_a_guarded_write_from_an_unguarded_one(
    guarded: TestClient,
) -> None:
    app = guarded.app
    assert isinstance(app, FastAPI)
    assert _unguarded_writes(app) == []
    app.add_api_route("/open", lambda: None, methods=["PUT"])
    assert _unguarded_writes(app) == ["['PUT'] /open"]


def test_no_service_exposes_an_unguarded_write_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every route of every service is a read, unless it depends on the write guard."""
    import enrolment.app
    import evaluation.app
    import reporting.app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/routes.db")
    found = {}
    for module in (enrolment.app, evaluation.app, reporting.app):
        app = module.build(configure_process=False)
        found[module.__name__] = _unguarded_writes(app)
    assert found == {name: [] for name in found}
