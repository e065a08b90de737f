"""TLS on the real broker, with a CA made during the test: the chassis's FastStream broker and
aiokafka clients connect over SASL_SSL, a client certificate alone authenticates over SSL, and
the catalogue's ACLs hold for both."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaConnectionError

from convenio_chassis.acl_admin import sync_acls
from convenio_chassis.kafka import client_kwargs, make_broker, make_producer, ssl_context
from convenio_chassis.settings import KafkaSettings
from convenio_contracts.topics import Principal
from kafka_local import BrokerTls
from secure_kafka import SecureKafka

from . import probes
from .certs import ThrowawayCA

pytestmark = [pytest.mark.connected, pytest.mark.slow]

P = Principal


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCA:
    return ThrowawayCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def tls_kafka(ca: ThrowawayCA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureKafka]:
    server = ca.issue_server()
    tls = BrokerTls(keystore=server.keystore, truststore=ca.cert)
    with SecureKafka(tmp_path_factory.mktemp("tls-kafka"), tls=tls) as kafka:
        yield kafka


def _sasl_ssl(kafka: SecureKafka, principal: Principal, cafile: Path | None) -> KafkaSettings:
    if cafile is None:
        return kafka.settings(principal.value, "SASL_SSL")
    return kafka.settings(principal.value, "SASL_SSL", ssl_cafile=cafile)


def _mutual_tls(kafka: SecureKafka, ca: ThrowawayCA, principal: Principal) -> KafkaSettings:
    client = ca.issue_client(principal.value)
    return KafkaSettings(
        bootstrap_servers=kafka.tls_bootstrap("SSL"),
        security_protocol="SSL",
        ssl_cafile=ca.cert,
        ssl_certfile=client.cert,
        ssl_keyfile=client.key,
    )


async def _first_value(settings: KafkaSettings, topic: str) -> bytes:
    consumer = AIOKafkaConsumer(
        topic, **client_kwargs(settings), group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        async with asyncio.timeout(20):
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    return bytes(records[0].value)
    finally:
        await consumer.stop()


def test_the_chassis_faststream_broker_publishes_over_sasl_ssl(
    tls_kafka: SecureKafka, ca: ThrowawayCA
) -> None:
    enrolment = _sasl_ssl(tls_kafka, P.SVC_ENROLMENT, ca.cert)
    evaluation = _sasl_ssl(tls_kafka, P.SVC_EVALUATION, ca.cert)

    async def publish_then_read() -> bytes:
        broker = make_broker(enrolment, client_id="tls-test")
        await broker.start()
        try:
            await broker.publish(b"over-tls", topic="enrolment.course.v1", key=b"c1")
        finally:
            await broker.stop()
        return await _first_value(evaluation, "enrolment.course.v1")

    assert asyncio.run(publish_then_read()) == b"over-tls"


def test_the_relay_producer_publishes_over_sasl_ssl(
    tls_kafka: SecureKafka, ca: ThrowawayCA
) -> None:
    async def publish() -> int:
        producer = make_producer(_sasl_ssl(tls_kafka, P.SVC_REPORTING, ca.cert), "tls-relay")
        await producer.start()
        try:
            return (await producer.send_and_wait("reporting.findings.v1", b"f", key=b"f")).offset
        finally:
            await producer.stop()

    assert asyncio.run(publish()) >= 0


def _connection_errors(caplog: pytest.LogCaptureFixture, settings: KafkaSettings) -> str:
    """Start a producer that must fail; aiokafka raises a bare "unable to bootstrap" and logs
    why, so the reason is read from its log."""

    async def connect() -> None:
        producer = make_producer(settings, "refused")
        try:
            await producer.start()
        finally:
            await producer.stop()

    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
        asyncio.run(connect())
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("aiokafka"))


def _handshake(
    settings: KafkaSettings, address: str, server_hostname: str, *, read: bool = False
) -> None:
    """A TLS handshake with the chassis's own client context, naming ``server_hostname``;
    with ``read``, wait for the server's first word too (TLS 1.3 servers refuse a client's
    certificate only after the client has finished its side of the handshake)."""
    context = ssl_context(settings)
    assert context is not None
    host, port = address.rsplit(":", 1)
    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=server_hostname) as tls,
    ):
        if read:
            tls.recv(1)


def test_a_client_that_does_not_trust_the_ca_cannot_connect(
    tls_kafka: SecureKafka, caplog: pytest.LogCaptureFixture
) -> None:
    """Proof that the listener really is TLS: the system's CAs do not vouch for it, and the
    client says so (not a refused port, a timeout or an authentication error)."""
    untrusting = _sasl_ssl(tls_kafka, P.SVC_REPORTING, cafile=None)
    assert "CERTIFICATE_VERIFY_FAILED" in _connection_errors(caplog, untrusting)
    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        _handshake(untrusting, tls_kafka.tls_bootstrap("SASL_SSL"), "127.0.0.1")
    assert refused.value.verify_message in (
        "unable to get local issuer certificate",
        "self-signed certificate in certificate chain",
        "self signed certificate in certificate chain",
    ), refused.value.verify_message


def test_a_certificate_for_another_host_is_refused_even_from_the_trusted_ca(
    tls_kafka: SecureKafka, ca: ThrowawayCA
) -> None:
    """The client checks the broker's name, not only its CA: the same trusted certificate is
    accepted for 127.0.0.1 (its SAN) and refused for any other name."""
    trusting = _sasl_ssl(tls_kafka, P.SVC_REPORTING, ca.cert)
    address = tls_kafka.tls_bootstrap("SASL_SSL")
    _handshake(trusting, address, "127.0.0.1")
    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        _handshake(trusting, address, "kafka.elsewhere.example")
    assert refused.value.verify_message.startswith("Hostname mismatch"), refused.value


def test_the_acls_hold_over_sasl_ssl(tls_kafka: SecureKafka, ca: ThrowawayCA) -> None:
    feed = client_kwargs(_sasl_ssl(tls_kafka, P.ONC_FEED, ca.cert))
    asyncio.run(probes.seed(tls_kafka.client_options(), ["reporting.indicators.v1"]))
    assert asyncio.run(probes.may_read(feed, "reporting.indicators.v1")) is True
    assert asyncio.run(probes.may_read(feed, "enrolment.training.v1")) is False


def test_a_client_certificate_is_a_principal_under_the_same_acls(
    tls_kafka: SecureKafka, ca: ThrowawayCA
) -> None:
    feed = client_kwargs(_mutual_tls(tls_kafka, ca, P.ONC_FEED))
    asyncio.run(probes.seed(tls_kafka.client_options(), ["reporting.indicators.v1"]))
    assert asyncio.run(probes.may_read(feed, "reporting.indicators.v1")) is True
    assert asyncio.run(probes.may_read(feed, "enrolment.training.v1")) is False
    publisher = client_kwargs(_mutual_tls(tls_kafka, ca, P.AGENCY_PUBLISHER))
    writes = asyncio.run(
        probes.may_write(publisher, ["enrolment.intake.v1", "enrolment.officer.v1"])
    )
    assert writes == {"enrolment.intake.v1": True, "enrolment.officer.v1": False}


def test_without_a_client_certificate_the_ssl_listener_refuses(
    tls_kafka: SecureKafka, ca: ThrowawayCA, caplog: pytest.LogCaptureFixture
) -> None:
    anonymous = KafkaSettings(
        bootstrap_servers=tls_kafka.tls_bootstrap("SSL"),
        security_protocol="SSL",
        ssl_cafile=ca.cert,
    )
    _connection_errors(caplog, anonymous)  # aiokafka only sees the connection close
    with pytest.raises(ssl.SSLError) as refused:
        _handshake(anonymous, tls_kafka.tls_bootstrap("SSL"), "127.0.0.1", read=True)
    # Java's TLS 1.3 server answers a missing client certificate with a bad_certificate alert.
    assert refused.value.reason == "SSLV3_ALERT_BAD_CERTIFICATE", refused.value


def test_the_acl_admin_works_over_sasl_ssl(tls_kafka: SecureKafka, ca: ThrowawayCA) -> None:
    admin = tls_kafka.settings("admin", "SASL_SSL", ssl_cafile=ca.cert)
    changes = sync_acls(admin, dry_run=True)
    assert (changes.created, changes.deleted) == ((), ())
