"""The local broker's configuration: SCRAM on every SASL listener, TLS listeners only when
asked for, every listener on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from kafka_local import BrokerTls, server_properties, tls_listeners
from secure_kafka import USERS, credentials


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_the_plain_broker_has_no_authentication_and_no_tls(tmp_path: Path) -> None:
    props = _props(server_properties(9092, 9093, tmp_path, None))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert "authorizer.class.name" not in props
    assert not any(key.startswith("ssl.") for key in props)


def test_with_tls_each_sasl_listener_gets_scram_and_ssl_requires_a_certificate(
    tmp_path: Path,
) -> None:
    tls = BrokerTls(tmp_path / "broker.keystore.pem", tmp_path / "ca.pem")
    ports = dict(zip(tls_listeners(sasl=True), (9094, 9095), strict=True))
    props = _props(
        server_properties(9092, 9093, tmp_path, {"admin": "pw"}, tls, ports, "controller-pw")
    )
    assert props["listeners"] == (
        "SASL_PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9094,SSL://127.0.0.1:9095,"
        "CONTROLLER://127.0.0.1:9093"
    )
    assert props["advertised.listeners"].count("127.0.0.1") == 3
    jaas = [k for k in props if k.endswith(".sasl.jaas.config")]
    assert sorted(jaas) == [
        "listener.name.controller.plain.sasl.jaas.config",
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
    ]
    assert props["listener.name.ssl.ssl.client.auth"] == "required"
    assert props["allow.everyone.if.no.acl.found"] == "false"


def test_the_controller_listener_authenticates_and_no_one_anonymous_is_a_super_user(
    tmp_path: Path,
) -> None:
    props = _props(server_properties(9092, 9093, tmp_path, {"admin": "pw"}, None, None, "c-pw"))
    assert "CONTROLLER:SASL_PLAINTEXT" in props["listener.security.protocol.map"].split(",")
    assert props["sasl.mechanism.controller.protocol"] == "PLAIN"
    assert props["super.users"].split(";") == ["User:admin", "User:controller"]
    with pytest.raises(ValueError, match="controller_password"):
        server_properties(9092, 9093, tmp_path, {"admin": "pw"})


def test_every_principal_gets_its_own_random_password_kept_across_restarts(
    tmp_path: Path,
) -> None:
    first = credentials(tmp_path / "secrets")
    assert set(first) == set(USERS)
    assert len(set(first.values())) == len(USERS)
    assert credentials(tmp_path / "secrets") == first
    assert {(tmp_path / "secrets" / u).stat().st_mode & 0o777 for u in USERS} == {0o600}


@pytest.mark.parametrize("sasl", [True, False])
def test_tls_listeners_depend_on_sasl(sasl: bool) -> None:
    assert ("SASL_SSL" in tls_listeners(sasl)) is sasl
    assert "SSL" in tls_listeners(sasl)
