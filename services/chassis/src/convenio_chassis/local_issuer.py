"""A stand-in identity provider for one machine (``make run``, tests, the benchmark): an EC
P-256 key pair generated here on first use, its public half published as a JWKS file the
services read (``HTTP_AUTH_JWKS_FILE``), and tokens signed with the private half.

Nothing of it is committed: the key lives under ``var/`` (mode 0600) and dies with it. In a
cluster the real issuer (UMS's OIDC provider) holds the key; the services only ever see the
public one.

    python -m convenio_chassis.local_issuer --dir var/auth token --role ums-evaluator \\
        --audience convenio-enrolment --subject me
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .settings import HttpAuthSettings

__all__ = ["LOCAL_ISSUER", "ROSTER_LOOKUP_RATE", "LocalIssuer", "audience_of"]

LOCAL_ISSUER = "http://127.0.0.1/convenio-local-issuer"
ROSTER_LOOKUP_RATE = "100000/minute"
"""``OFFICER_LOOKUP_RATE`` for a stack whose driver resolves a whole roster at once (the demo,
the benchmark, the end-to-end tests), as a UMS evaluation system would, not a person."""


def audience_of(service: str) -> str:
    """The ``aud`` a service accepts (``HTTP_AUTH_AUDIENCE``): one per service, so a token
    for one is not a token for all."""
    return f"convenio-{service}"


class LocalIssuer:
    def __init__(self, directory: Path, issuer: str = LOCAL_ISSUER) -> None:
        self.directory, self.issuer = directory, issuer
        self.key_file, self.jwks_file = directory / "issuer-key.pem", directory / "jwks.json"
        if self.key_file.exists():
            loaded = serialization.load_pem_private_key(self.key_file.read_bytes(), None)
            assert isinstance(loaded, ec.EllipticCurvePrivateKey)
            self.key = loaded
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            self._write_key()
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        self.kid = _thumbprint(public)
        self.jwks_file.write_text(json.dumps({"keys": [public | {"kid": self.kid, "use": "sig"}]}))

    def _write_key(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)

    def env(self, service: str) -> dict[str, str]:
        """What a service needs to accept this issuer's tokens meant for it."""
        return {
            "HTTP_AUTH_ISSUER": self.issuer,
            "HTTP_AUTH_AUDIENCE": audience_of(service),
            "HTTP_AUTH_JWKS_FILE": str(self.jwks_file),
        }

    def settings(self, service: str) -> HttpAuthSettings:
        return HttpAuthSettings(
            issuer=self.issuer, audience=audience_of(service), jwks_file=self.jwks_file
        )

    def bearer(self, service: str, *roles: str, subject: str = "tester") -> dict[str, str]:
        """The ``Authorization`` header of a caller with ``roles``, for ``service``."""
        return {"Authorization": f"Bearer {self.token(subject, roles, audience_of(service))}"}

    def token(
        self,
        subject: str,
        roles: Iterable[str],
        audience: str | list[str],
        ttl_s: float = 3600,
        **claims: Any,
    ) -> str:
        """A signed access token; ``claims`` override or add any claim (``iss``, ``exp``...)."""
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "exp": now + int(ttl_s),
            "jti": uuid.uuid4().hex,
            "roles": sorted(roles),
        } | claims
        return jwt.encode(payload, self.key, algorithm="ES256", headers={"kid": self.kid})


def _thumbprint(public: dict[str, Any]) -> str:
    """RFC 7638: the key's own digest names it."""
    members = json.dumps({k: public[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).decode().rstrip("=")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("var/auth"), help="the issuer's files")
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a bearer token")
    token.add_argument("--role", action="append", required=True, help="repeat for more roles")
    token.add_argument("--audience", action="append", required=True, help="convenio-<service>")
    token.add_argument("--subject", default="local-user", help="the token's sub: who calls")
    token.add_argument("--ttl", type=float, default=3600, help="seconds the token lives")
    args = parser.parse_args(argv)
    issuer = LocalIssuer(args.dir)
    audience = args.audience[0] if len(args.audience) == 1 else args.audience
    print(issuer.token(args.subject, args.role, audience, ttl_s=args.ttl))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
