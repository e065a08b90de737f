"""The stand-in issuer of ``make run`` and the tests: its private key stays private and
survives a restart, and what it publishes is the public half only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import jwt

from convenio_chassis.local_issuer import LocalIssuer, audience_of, main


def test_the_key_is_private_to_its_owner_and_kept_across_restarts(tmp_path: Path) -> None:
    first = LocalIssuer(tmp_path / "auth")
    assert stat.S_IMODE(first.key_file.stat().st_mode) == 0o600
    again = LocalIssuer(tmp_path / "auth")
    assert again.kid == first.kid
    token = first.token("ana", ["ums-evaluator"], audience_of("enrolment"))
    [key] = jwt.PyJWKSet.from_json(again.jwks_file.read_text()).keys
    claims = jwt.decode(token, key, algorithms=["ES256"], audience="convenio-enrolment")
    assert (claims["sub"], claims["roles"], claims["iss"]) == (
        "ana",
        ["ums-evaluator"],
        again.issuer,
    )


def test_the_jwks_holds_no_private_member(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path)
    [published] = json.loads(issuer.jwks_file.read_text())["keys"]
    assert set(published) == {"kty", "crv", "x", "y", "kid", "use"}


def test_the_command_line_prints_a_token_for_curl(tmp_path: Path, capsys) -> None:
    argv = ["--dir", str(tmp_path), "token", "--role", "ums-coordinator", "--subject", "luis"]
    assert main([*argv, "--audience", "convenio-evaluation", "--ttl", "60"]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["sub"], claims["aud"], claims["exp"] - claims["iat"]) == (
        "luis",
        "convenio-evaluation",
        60,
    )
