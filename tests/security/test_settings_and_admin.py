"""Credentials come from settings or secret files, never from code; the ACL sync computes the
smallest change from what the cluster holds to what the catalogue grants."""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka.admin import AclBinding as ConfluentBinding
from confluent_kafka.admin import AclOperation, AclPermissionType, ResourcePatternType, ResourceType
from pydantic import ValidationError

from convenio_chassis.acl_admin import admin_config, plan, to_confluent
from convenio_chassis.kafka import client_kwargs
from convenio_chassis.settings import KafkaSettings
from convenio_contracts.acl import acl_bindings, bindings_for
from convenio_contracts.topics import Principal


@pytest.fixture(autouse=True)
def _no_kafka_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests describe settings from scratch, whatever the shell exported."""
    for name in (
        "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD_FILE",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def test_a_service_reads_its_password_from_a_mounted_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "password"
    secret.write_text("from-the-secret\n")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "svc-enrolment")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD_FILE", str(secret))
    settings = KafkaSettings()
    kwargs = client_kwargs(settings)
    assert kwargs["sasl_plain_username"] == "svc-enrolment"
    assert kwargs["sasl_plain_password"] == "from-the-secret"
    assert "from-the-secret" not in repr(settings)


def test_sasl_without_credentials_fails_at_start_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME"):
        KafkaSettings(security_protocol="SASL_SSL")


def test_the_admin_client_gets_the_same_tls_and_sasl_settings(tmp_path: Path) -> None:
    settings = KafkaSettings(
        bootstrap_servers="127.0.0.1:9093",
        security_protocol="SASL_SSL",
        sasl_username="admin",
        sasl_password="pw",
        ssl_cafile=tmp_path / "ca.pem",
    )
    assert admin_config(settings) == {
        "bootstrap.servers": "127.0.0.1:9093",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "admin",
        "sasl.password": "pw",
        "ssl.ca.location": str(tmp_path / "ca.pem"),
    }


def test_a_plaintext_admin_config_carries_no_credentials() -> None:
    assert admin_config(KafkaSettings(bootstrap_servers="127.0.0.1:1")) == {
        "bootstrap.servers": "127.0.0.1:1",
        "security.protocol": "PLAINTEXT",
    }


def test_on_an_empty_cluster_the_plan_creates_every_binding() -> None:
    create, delete = plan(acl_bindings(), [])
    assert (len(create), delete) == (len(acl_bindings()), [])


def test_in_sync_the_plan_changes_nothing() -> None:
    held = [to_confluent(b) for b in acl_bindings()]
    assert plan(acl_bindings(), held) == ([], [])


def test_a_reader_dropped_from_the_catalogue_loses_its_grants() -> None:
    held = [to_confluent(b) for b in acl_bindings()]
    stray = ConfluentBinding(
        ResourceType.TOPIC, "enrolment.training.v1", ResourcePatternType.LITERAL,
        "User:onc-feed", "*", AclOperation.READ, AclPermissionType.ALLOW,
    )  # fmt: skip
    create, delete = plan(acl_bindings(), [*held, stray])
    assert create == []
    assert [(b.principal, b.name) for b in delete] == [("User:onc-feed", "enrolment.training.v1")]


def test_a_new_principal_gets_only_its_own_bindings() -> None:
    held = [to_confluent(b) for b in acl_bindings() if b.principal is not Principal.ONC_FEED]
    create, delete = plan(acl_bindings(), held)
    assert delete == []
    assert {b.principal for b in create} == {"User:onc-feed"}
    assert len(create) == len(bindings_for(Principal.ONC_FEED))
