"""The guard every HTTP write endpoint depends on; read endpoints need none.

No service has a write endpoint today: intake arrives on Kafka, where ACLs decide. When an
issue names one (analysts' findings, say), it declares ``Depends(require_write_token)`` and
the service is given ``HTTP_WRITE_TOKEN_SHA256`` (or ``..._FILE``), the hex SHA-256 of the
bearer token its callers present. Only the digest is configured, so a leaked environment or
manifest does not hand out the token. Unset, every write is refused: fail closed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException, Request, status
from pydantic import SecretStr

__all__ = ["check_token", "require_write_token", "token_digest", "write_token_guard"]


def token_digest(token: str) -> str:
    """What to put in ``HTTP_WRITE_TOKEN_SHA256`` for a given token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_token(authorization: str | None, expected_sha256: SecretStr | None) -> None:
    """Raise 401 without a bearer token, 403 for a wrong one or when writes are disabled."""
    if expected_sha256 is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "writes are disabled on this service")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    presented = token_digest(token.strip())
    # Constant time, so response timing tells nothing about how much of the token matched.
    if not hmac.compare_digest(presented, expected_sha256.get_secret_value().strip().lower()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "token refused")


def write_token_guard(expected_sha256: SecretStr | None) -> Callable[[str | None], None]:
    """A FastAPI dependency checking against a given digest (for apps built outside the
    service runtime)."""

    def guard(authorization: Annotated[str | None, Header()] = None) -> None:
        check_token(authorization, expected_sha256)

    return guard


def require_write_token(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """FastAPI dependency for a service's write endpoints: the digest comes from its settings."""
    check_token(authorization, request.app.state.runtime.settings.http.write_token_sha256)
