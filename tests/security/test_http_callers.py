"""HTTP that knows its caller (ADR 0085): against the three real app factories on SQLite.

Every route of every service is either on the explicit public or health lists below, or it
depends on a role guard and is listed in ``GUARDED`` with the roles it admits and a request to
try it with. A route added without a decision fails ``test_every_route_is_public_health_or_
guarded``. Then, for each guarded route: no token 401, each kind of bad token 401, a valid token
without the role 403, with the role the route answers (200, or 404 for an id the empty
database does not hold), and an unconfigured service 503.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.routing import _iter_included_route_candidates
from fastapi.testclient import TestClient

from convenio_chassis.http_auth import Role, RoleGuard
from convenio_chassis.local_issuer import LocalIssuer, audience_of
from convenio_chassis.settings import HttpAuthSettings

SERVICES = ("enrolment", "evaluation", "reporting")
OFFICER = f"off_{'0' * 32}"
CUIP = {"X-CUIP": "CUIP0000000001"}
EVALUATOR, COORDINATOR, ANALYST = Role.UMS_EVALUATOR, Role.UMS_COORDINATOR, Role.ONC_ANALYST
UMS = frozenset({EVALUATOR, COORDINATOR})

HEALTH = {"/health/live", "/health/ready", "/metrics"}
"""Open on every service: kubelet probes and Prometheus, which present no token. The
NetworkPolicy admits the port only from the namespaces that need it (docs/security.md)."""
INTEGRATION = {"/asyncapi", "/schemas/{name:path}"}
"""The contracts an agency's developer integrates against (docs/integration.md): interface
documents, no data, and read by integrators who hold no UMS role."""
PUBLIC = {
    "enrolment": INTEGRATION,
    "evaluation": INTEGRATION,
    "reporting": INTEGRATION
    | {
        "/indicators",
        "/indicators/definitions",
        "/findings",
        "/findings/{finding_id}",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
    },
}
"""ONC's published feed and its documentation: public, as an observatory's are."""
GUARDED: dict[tuple[str, str], tuple[frozenset[Role], str, dict[str, str], int]] = {
    # (service, route): (roles admitted, a request, its headers, status with the right role)
    ("enrolment", "/officers/{officer_id}/training"): (
        UMS,
        f"/officers/{OFFICER}/training",
        {},
        404,
    ),
    ("enrolment", "/offerings"): (UMS, "/offerings", {}, 200),
    ("enrolment", "/offerings/{offering_id}"): (UMS, "/offerings/OF-1", {}, 404),
    ("enrolment", "/enrolments/{enrolment_id}"): (UMS, "/enrolments/enr_1", {}, 404),
    ("enrolment", "/internal/officer-id"): (
        frozenset({EVALUATOR}),
        "/internal/officer-id",
        CUIP,
        404,
    ),
    ("enrolment", "/openapi.json"): (UMS, "/openapi.json", {}, 200),
    ("evaluation", "/officers/{officer_id}/cup"): (UMS, f"/officers/{OFFICER}/cup", {}, 404),
    ("evaluation", "/openapi.json"): (UMS, "/openapi.json", {}, 200),
    **{
        (service, route): (frozenset({Role.OPERATOR}), route, {}, 200)
        for service in ("enrolment", "evaluation", "reporting")
        for route in ("/admin/quarantine", "/admin/quarantine/release")
    },
}
POSTED = {"/admin/quarantine/release": {"source": "/agency/academia-x"}}
"""Routes that only take a POST, with the body the request sends."""
CASES = [pytest.param(service, route, id=f"{service}{route}") for service, route in GUARDED]


def build(service: str, database: Path, http_auth: HttpAuthSettings) -> FastAPI:
    import enrolment.app
    import evaluation.app
    import reporting.app

    modules: dict[str, Any] = {
        "enrolment": (enrolment.app, "EnrolmentSettings"),
        "evaluation": (evaluation.app, "EvaluationSettings"),
        "reporting": (reporting.app, "ReportingSettings"),
    }
    module, settings_name = modules[service]
    settings_type = getattr(__import__(f"{service}.settings", fromlist=["_"]), settings_name)
    settings = settings_type(database_url=f"sqlite:///{database}", http_auth=http_auth)
    app: FastAPI = module.build(settings, configure_process=False)
    return app


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="module")
def clients(
    tmp_path_factory: pytest.TempPathFactory, issuer: LocalIssuer
) -> Iterator[dict[str, TestClient]]:
    """Each service, started (migrations applied to its SQLite file) but with no broker."""
    base = tmp_path_factory.mktemp("services")
    apps = {s: build(s, base / f"{s}.db", issuer.settings(s)) for s in SERVICES}
    for app in apps.values():
        app.state.runtime.prepare_database()
    yield {s: TestClient(app) for s, app in apps.items()}
    for app in apps.values():
        app.state.runtime.engine.dispose()


def guards_of(route: Any) -> set[frozenset[Role]]:
    """The role sets of every ``RoleGuard`` a route depends on, however deep."""
    found, pending = set(), [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        if isinstance(dependant.call, RoleGuard):
            found.add(dependant.call.roles)
        pending += dependant.dependencies
    return found


def routes(app: FastAPI) -> dict[str, set[frozenset[Role]]]:
    """Every route the app dispatches to, with the guards it runs. FastAPI 0.165 includes a
    router lazily; this is the walk its own OpenAPI generation makes through the inclusions
    (private, so ``GUARDED <= listed`` below fails loudly if it stops finding routes)."""
    found = {}
    for route in _iter_included_route_candidates(app.routes):
        path = getattr(route, "path", None)
        assert isinstance(path, str), f"not a route: {route!r}"
        found[path] = guards_of(route)
    return found


def test_every_route_is_public_health_or_guarded(clients: dict[str, TestClient]) -> None:
    """The allow-list is explicit: a new route fails here until it is public, health, or
    guarded and listed with its roles."""
    for service, client in clients.items():
        assert isinstance(client.app, FastAPI)
        for path, guards in routes(client.app).items():
            if path in HEALTH or path in PUBLIC.get(service, set()):
                assert not guards, f"{service} {path} is listed as open but is guarded"
                continue
            assert (service, path) in GUARDED, f"{service} {path} is neither public nor guarded"
            assert guards == {GUARDED[service, path][0]}, f"{service} {path}: {guards}"
    listed = {(s, p) for s, c in clients.items() for p in routes(c.app)}  # type: ignore[arg-type]
    assert set(GUARDED) <= listed, "GUARDED lists a route no service has"


def test_the_route_check_catches_an_unguarded_route(tmp_path: Path) -> None:
    app = build("evaluation", tmp_path / "never-opened.db", HttpAuthSettings())
    app.add_api_route("/officers/{officer_id}/secrets", lambda officer_id: None)
    unguarded = [p for p, g in routes(app).items() if not g and p not in HEALTH | INTEGRATION]
    assert unguarded == ["/officers/{officer_id}/secrets"]


def call(clients: dict[str, TestClient], service: str, route: str, headers: dict[str, str]) -> Any:
    _roles, path, extra, _status = GUARDED[service, route]
    if route in POSTED:
        return clients[service].post(path, json=POSTED[route], headers=extra | headers)
    return clients[service].get(path, headers=extra | headers)


@pytest.mark.parametrize(("service", "route"), CASES)
def test_no_token_is_401(clients: dict[str, TestClient], service: str, route: str) -> None:
    for headers in ({}, {"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Authorization": "Bearer"}):
        response = call(clients, service, route, headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("service", "route"), CASES)
def test_the_right_role_is_admitted(
    clients: dict[str, TestClient], issuer: LocalIssuer, service: str, route: str
) -> None:
    roles, _path, _headers, expected = GUARDED[service, route]
    for role in roles:
        response = call(clients, service, route, issuer.bearer(service, role))
        assert response.status_code == expected, (role, response.text)


@pytest.mark.parametrize(("service", "route"), CASES)
def test_a_wrong_role_is_403(
    clients: dict[str, TestClient], issuer: LocalIssuer, service: str, route: str
) -> None:
    roles = GUARDED[service, route][0]
    for wrong in ({*Role} - roles, set(), {"admin"}):
        response = call(clients, service, route, issuer.bearer(service, *wrong))
        assert response.status_code == 403, (wrong, response.text)
        assert response.json()["detail"].endswith(", ".join(sorted(roles)))


def _other_key_pem(tmp_path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "other.pem"
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def bad_tokens(issuer: LocalIssuer, service: str, role: Role) -> dict[str, tuple[str, str]]:
    """Each kind of refused token, with the reason the 401 must give."""
    aud, now = audience_of(service), int(time.time())
    forger = ec.generate_private_key(ec.SECP256R1())
    genuine = issuer.token("tester", [role], aud)
    header, payload, _signature = genuine.split(".")
    public_pem = issuer.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"iss": issuer.issuer, "sub": "x", "aud": aud, "exp": now + 60, "roles": [role]}
    return {
        "expired": (
            issuer.token("tester", [role], aud, iat=now - 7200, exp=now - 3600),
            "expired",
        ),
        "wrong issuer": (
            issuer.token("tester", [role], aud, iss="https://elsewhere.example"),
            "another issuer",
        ),
        "wrong audience": (issuer.token("tester", [role], audience_of("other")), "audience"),
        "signed by another key, naming ours": (
            jwt.encode(claims, forger, algorithm="ES256", headers={"kid": issuer.kid}),
            "signature",
        ),
        "tampered claims": (
            f"{header}.{_encoded(claims | {'roles': ['x']})}.{_signature}",
            "signature",
        ),
        "unknown key": (
            jwt.encode(claims, forger, algorithm="ES256", headers={"kid": "k2"}),
            "key",
        ),
        "no algorithm": (jwt.encode(claims, None, algorithm="none"), "algorithm"),
        "HS256 with the public key as secret": (
            _hmac_token(claims, public_pem, issuer.kid),
            "algorithm",
        ),
        "no subject": (
            jwt.encode(
                {k: v for k, v in claims.items() if k != "sub"},
                issuer.key,
                algorithm="ES256",
                headers={"kid": issuer.kid},
            ),
            "claim",
        ),
        "not a token": ("not.a.token", "invalid"),
        "payload only": (payload, "invalid"),
    }


def _encoded(claims: dict[str, Any]) -> str:
    return jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()


def _hmac_token(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """The key-confusion forgery, built by hand: pyjwt refuses to sign HMAC with a PEM key."""
    head = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": kid}).encode())
    body = jwt.utils.base64url_encode(json.dumps(claims).encode())
    signature = hmac.new(secret, head + b"." + body, hashlib.sha256).digest()
    return b".".join((head, body, jwt.utils.base64url_encode(signature))).decode()


@pytest.mark.parametrize(("service", "route"), CASES)
def test_a_bad_token_is_401_with_its_reason(
    clients: dict[str, TestClient], issuer: LocalIssuer, service: str, route: str
) -> None:
    role = sorted(GUARDED[service, route][0])[0]
    for kind, (token, reason) in bad_tokens(issuer, service, role).items():
        response = call(clients, service, route, {"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (kind, response.text)
        assert reason in response.json()["detail"], (kind, response.json())


@pytest.mark.parametrize("service", SERVICES)
def test_public_and_health_routes_need_no_token(
    clients: dict[str, TestClient], service: str
) -> None:
    client = clients[service]
    for path in (
        "/health/live",
        "/metrics",
        *(PUBLIC.get(service, set()) - {"/findings/{finding_id}", "/schemas/{name:path}"}),
        "/schemas/mx.convenio.enrolment.officer.register.v1.json",
    ):
        assert client.get(path).status_code == 200, path
    if service == "reporting":
        assert client.get("/findings/F-1").status_code == 404  # answered, not refused


@pytest.mark.parametrize(("service", "route"), CASES)
def test_unconfigured_fails_closed_with_503(
    tmp_path: Path, issuer: LocalIssuer, service: str, route: str
) -> None:
    """No issuer, audience or key: every guarded route refuses, naming what is missing, and
    even a token the configured services would accept gets nowhere."""
    client = TestClient(build(service, tmp_path / "db.sqlite", HttpAuthSettings()))
    roles = GUARDED[service, route][0]
    response = call({service: client}, service, route, issuer.bearer(service, *roles))
    assert response.status_code == 503
    assert "HTTP_AUTH_ISSUER" in response.json()["detail"]
    assert "HTTP_AUTH_JWKS_FILE" in response.json()["detail"]


def test_an_unreadable_key_file_fails_closed(tmp_path: Path, issuer: LocalIssuer) -> None:
    settings = issuer.settings("evaluation").model_copy(
        update={"jwks_file": tmp_path / "missing.json"}
    )
    client = TestClient(build("evaluation", tmp_path / "db.sqlite", settings))
    response = client.get(
        f"/officers/{OFFICER}/cup", headers=issuer.bearer("evaluation", EVALUATOR)
    )
    assert response.status_code == 503
    assert "cannot be read" in response.json()["detail"]


def test_a_single_pem_key_and_nested_roles(tmp_path: Path, issuer: LocalIssuer) -> None:
    """A provider with one key (``HTTP_AUTH_PUBLIC_KEY_FILE``), listing roles the way
    Keycloak does (``HTTP_AUTH_ROLES_CLAIM=realm_access.roles``)."""
    pem = tmp_path / "issuer.pem"
    pem.write_bytes(
        issuer.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings = HttpAuthSettings(
        issuer=issuer.issuer,
        audience=audience_of("evaluation"),
        public_key_file=pem,
        roles_claim="realm_access.roles",
    )
    app = build("evaluation", tmp_path / "db.sqlite", settings)
    app.state.runtime.prepare_database()
    client = TestClient(app)
    aud = audience_of("evaluation")
    nested = issuer.token("kc-user", [], aud, realm_access={"roles": [COORDINATOR]})
    flat = issuer.token("kc-user", [COORDINATOR], aud)
    path = f"/officers/{OFFICER}/cup"
    assert client.get(path, headers={"Authorization": f"Bearer {nested}"}).status_code == 404
    assert client.get(path, headers={"Authorization": f"Bearer {flat}"}).status_code == 403
    other = {"Authorization": f"Bearer {issuer.token('x', [COORDINATOR], aud)}"}
    settings_other = settings.model_copy(update={"public_key_file": _other_key_pem(tmp_path)})
    wrong_key = TestClient(build("evaluation", tmp_path / "db.sqlite", settings_other))
    response = wrong_key.get(path, headers=other)
    assert response.status_code == 401
    app.state.runtime.engine.dispose()


def test_symmetric_algorithms_are_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="HS256"):
        HttpAuthSettings(algorithms=("ES256", "HS256"))


def test_an_onc_analyst_reads_the_public_feed_and_nothing_of_ums(
    clients: dict[str, TestClient], issuer: LocalIssuer
) -> None:
    assert clients["reporting"].get("/indicators").status_code == 200
    for (service, _route), (roles, *_rest) in GUARDED.items():
        assert ANALYST not in roles, f"{service} admits ONC analysts"
