"""Kafka clients built from settings: the FastStream broker for consuming, and the idempotent
producer the outbox relay publishes with. Security (SASL/SCRAM, TLS) is configured here once.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from .settings import KafkaSettings


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    if not settings.uses_tls:
        return None
    context = ssl.create_default_context(
        cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None
    )
    if settings.ssl_certfile:
        key_password = settings.ssl_key_password
        context.load_cert_chain(
            str(settings.ssl_certfile),
            str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
            key_password.get_secret_value() if key_password else None,
        )
    return context


def client_kwargs(settings: KafkaSettings) -> dict[str, Any]:
    """Connection arguments shared by every aiokafka client of a service."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.uses_tls:
        kwargs["ssl_context"] = ssl_context(settings)
    if settings.uses_sasl:
        kwargs |= {
            "sasl_mechanism": settings.sasl_mechanism,
            "sasl_plain_username": settings.sasl_username,
            "sasl_plain_password": (
                settings.sasl_password.get_secret_value() if settings.sasl_password else None
            ),
        }
    return kwargs


def _security(settings: KafkaSettings) -> BaseSecurity | None:
    context = ssl_context(settings)
    if not settings.uses_sasl:
        return BaseSecurity(ssl_context=context) if context else None
    password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
    cls = {
        "SCRAM-SHA-512": SASLScram512,
        "SCRAM-SHA-256": SASLScram256,
        "PLAIN": SASLPlaintext,
    }[settings.sasl_mechanism]
    return cls(username=settings.sasl_username or "", password=password, ssl_context=context)


def make_broker(settings: KafkaSettings, client_id: str) -> KafkaBroker:
    """The FastStream broker a service consumes with. It commits no offset on its own: the
    service's one batch subscriber (``runtime.Runtime._subscribe``) uses ``AckPolicy.MANUAL``
    and calls ``message.ack()``, a commit of the consumer's position (the end of the batch),
    only once the batch's database transaction has committed, or ``message.nack()``, a seek of
    every partition in the batch back to its first record, when handling raised (ADR 0006).

    Its producer is idempotent with acks=all, although nothing publishes through it: the outbox
    relay has its own (``make_producer``). No ``transactional_id``: FastStream then refuses
    every ordinary publish.
    """
    return KafkaBroker(
        settings.bootstrap_servers,
        security=_security(settings),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        allow_auto_create_topics=False,
        graceful_timeout=30.0,
        log_level=logging.DEBUG,  # a line per batch received/processed is chatter, not INFO
        logger=logging.getLogger("convenio_chassis.broker"),  # JSON lines, like every other log
    )


def make_producer(settings: KafkaSettings, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=15_000,
        **client_kwargs(settings),
    )
