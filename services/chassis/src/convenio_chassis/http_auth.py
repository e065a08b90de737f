"""Who is calling: the guard every non-public HTTP endpoint depends on (ADR 0085).

A caller presents an OIDC/JWT bearer token from the one configured issuer. ``pyjwt`` checks
its signature against the issuer's public keys (a JWKS document or one PEM key, mounted from
a ConfigMap: no secret is configured anywhere), its ``iss``, ``aud`` and ``exp``; the roles
come from a configurable claim. A route declares the roles it admits with
``Depends(require_role(Role.UMS_EVALUATOR, ...))``:

- no token, or a token that fails any check: 401, with ``WWW-Authenticate: Bearer``;
- a valid token without one of the roles: 403;
- the service not configured (``HTTP_AUTH_*`` unset or unreadable): 503 naming what is
  missing. Never open.

``audit`` writes the structured record a sensitive lookup leaves: who, what, the outcome.
``PerCallerRate`` bounds how often one caller may do something (``limits``, in memory).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .settings import HttpAuthSettings

__all__ = [
    "Caller",
    "PerCallerRate",
    "Role",
    "RoleGuard",
    "TokenVerifier",
    "audit",
    "require_role",
    "roles_in",
]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("convenio.audit")
audit_log.setLevel(logging.INFO)  # an audit record is written whatever LOG_LEVEL says
bearer = HTTPBearer(auto_error=False, description="an OIDC access token from the issuer")


class Role(StrEnum):
    """The roles the identity provider grants; each route names those it admits."""

    UMS_COORDINATOR = "ums-coordinator"
    """UMS staff who plan and follow training: offerings, enrolments, training records, CUP."""
    UMS_EVALUATOR = "ums-evaluator"
    """UMS evaluation systems and staff: the above, and the CUIP -> pseudonym lookup."""
    ONC_ANALYST = "onc-analyst"
    """ONC's analysts. ONC's published feed is public; no UMS endpoint admits this role."""
    OPERATOR = "convenio-operator"
    """Whoever runs the services: pauses and releases a publishing source (ADR 0080)."""


UMS_STAFF = (Role.UMS_COORDINATOR, Role.UMS_EVALUATOR)


@dataclass(frozen=True)
class Caller:
    subject: str
    """The token's ``sub``: who to name in an audit record."""
    roles: frozenset[str]


def roles_in(claims: Mapping[str, Any], claim: str) -> frozenset[str]:
    """The roles at a dotted claim path (``roles``, ``realm_access.roles``); none if absent."""
    value: Any = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    return frozenset()


_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidIssuerError, "the token is from another issuer"),
    (jwt.InvalidAudienceError, "the token is meant for another audience"),
    (jwt.InvalidSignatureError, "the token's signature does not verify"),
    (jwt.MissingRequiredClaimError, "the token lacks a required claim"),
    (jwt.InvalidAlgorithmError, "the token is signed with an algorithm not accepted here"),
)


class TokenVerifier:
    """Checks bearer tokens against one issuer's keys; built once, at app creation."""

    def __init__(self, settings: HttpAuthSettings) -> None:
        self.settings = settings
        self.problem: str | None = None
        self._keys: dict[str | None, Any] = {}
        missing = settings.missing
        if missing:
            self.problem = "HTTP authentication is not configured: set " + ", ".join(missing)
            return
        try:
            self._keys = _load_keys(settings)
        except (OSError, jwt.PyJWTError, ValueError) as exc:
            self.problem = f"the issuer's public keys cannot be read: {exc.__class__.__name__}"

    @property
    def configured(self) -> bool:
        return self.problem is None

    def caller(self, credentials: HTTPAuthorizationCredentials | None) -> Caller:
        if self.problem is not None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, self.problem)
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("a bearer token is required")
        claims = self._claims(credentials.credentials)
        return Caller(str(claims["sub"]), roles_in(claims, self.settings.roles_claim))

    def _claims(self, token: str) -> dict[str, Any]:
        s = self.settings
        try:
            key = self._key_for(jwt.get_unverified_header(token).get("kid"))
            if key is None:
                raise _unauthorized("the token names no key of this issuer")
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(s.algorithms),
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            # TypeError/ValueError: a key of another type than the token's algorithm (an RSA
            # key for an ES256 token); refused like any token that does not verify.
            reason = next((r for kind, r in _REASONS if isinstance(exc, kind)), "invalid token")
            raise _unauthorized(reason) from None
        return claims

    def _key_for(self, kid: str | None) -> Any:
        """The JWKS key the token names; a lone key if it names none; the PEM key always."""
        if kid in self._keys:
            return self._keys[kid]
        if None in self._keys:
            return self._keys[None]
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return None


def _load_keys(settings: HttpAuthSettings) -> dict[str | None, Any]:
    if settings.jwks_file is not None:
        jwks = jwt.PyJWKSet.from_json(settings.jwks_file.read_text())
        return {k.key_id: k for k in jwks.keys}
    assert settings.public_key_file is not None
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return {None: load_pem_public_key(settings.public_key_file.read_bytes())}


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        reason,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'},
    )


class RoleGuard:
    """A FastAPI dependency admitting callers with any of ``roles``; it returns the caller.

    A class, so that a test can find every route that depends on one (tests/security).
    """

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        verifier: TokenVerifier = request.app.state.token_verifier
        caller = verifier.caller(credentials)
        if not caller.roles & self.roles:
            needed = ", ".join(sorted(self.roles))
            log.warning(
                "refused %s %s to %s: needs one of %s",
                request.method,
                request.url.path,
                caller.subject,
                needed,
            )
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs one of the roles {needed}")
        return caller

    def __repr__(self) -> str:
        return f"RoleGuard({', '.join(sorted(self.roles))})"


_guards: dict[frozenset[Role], RoleGuard] = {}


def require_role(*roles: Role) -> RoleGuard:
    """The guard for these roles; the same object for the same roles, so that FastAPI runs it
    once per request however many times a route and its router declare it."""
    key = frozenset(roles)
    if not key:
        raise ValueError("a guard admits at least one role")
    return _guards.setdefault(key, RoleGuard(key))


def audit(action: str, caller: Caller, outcome: str, **subject: str | None) -> None:
    """One structured record of a sensitive act: who (the token's subject), what, the outcome.

    ``subject`` names what was acted on, by pseudonym only: never pass an identity (a CUIP).
    In JSON logs the fields are keys of the line; the message repeats them for text logs.
    """
    fields = {"audit": action, "caller": caller.subject, "outcome": outcome, **subject}
    audit_log.info(" ".join(f"{k}={v}" for k, v in fields.items()), extra=fields)


class PerCallerRate:
    """At most ``rate`` (``limits`` notation: ``60/minute``) of one act per caller, counted in
    this process over a moving window. Each replica counts alone: N replicas admit N x rate."""

    def __init__(self, act: str, rate: str) -> None:
        self.act = act
        self.limit: RateLimitItem = parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def admit(self, caller: Caller) -> None:
        """Count one act by ``caller``; 429 with ``Retry-After`` once over the rate."""
        if self._limiter.hit(self.limit, self.act, caller.subject):
            return
        reset = self._limiter.get_window_stats(self.limit, self.act, caller.subject).reset_time
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"at most {self.limit} per caller",
            headers={"Retry-After": str(max(1, round(reset - time.time())))},
        )
