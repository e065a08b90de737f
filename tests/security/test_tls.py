"""TLS on the real broker, with a CA made during the test: the chassis's FastStream broker and
aiokafka clients connect over SASL_SSL, a client certificate alone authenticates over SSL, and
the catalogue's ACLs hold for both."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaConnectionError

from convenio_chassis.acl_admin import sync_acls
from convenio_chassis.kafka import client_kwargs, make_broker, make_producer
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


def test_a_client_that_does_not_trust_the_ca_cannot_connect(tls_kafka: SecureKafka) -> None:
    """Proof that the listener really is TLS: the system's CAs do not vouch for it."""
    producer_settings = _sasl_ssl(tls_kafka, P.SVC_REPORTING, cafile=None)

    async def connect() -> None:
        producer = make_producer(producer_settings, "untrusting")
        try:
            await producer.start()
        finally:
            await producer.stop()

    with pytest.raises(KafkaConnectionError):
        asyncio.run(connect())


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
    tls_kafka: SecureKafka, ca: ThrowawayCA
) -> None:
    anonymous = KafkaSettings(
        bootstrap_servers=tls_kafka.tls_bootstrap("SSL"),
        security_protocol="SSL",
        ssl_cafile=ca.cert,
    )

    async def connect() -> None:
        producer = make_producer(anonymous, "anonymous")
        try:
            await producer.start()
        finally:
            await producer.stop()

    with pytest.raises(KafkaConnectionError):
        asyncio.run(connect())


def test_the_acl_admin_works_over_sasl_ssl(tls_kafka: SecureKafka, ca: ThrowawayCA) -> None:
    admin = tls_kafka.settings("admin", "SASL_SSL", ssl_cafile=ca.cert)
    changes = sync_acls(admin, dry_run=True)
    assert (changes.created, changes.deleted) == ((), ())
