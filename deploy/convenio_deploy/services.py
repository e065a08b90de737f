"""The three deployable services, described once: everything else about them (consumer group,
topics, replica ceiling, Kafka user) is derived from the topic catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from convenio_contracts.topics import CONSUMER_GROUPS, Principal, Topic, subscriptions

CLUSTER = "convenio"
"""The Strimzi ``Kafka`` resource's name: labels, bootstrap address and CA secret follow it."""
KAFKA_TLS_PORT = 9093
KAFKA_BOOTSTRAP = f"{CLUSTER}-kafka-bootstrap:{KAFKA_TLS_PORT}"
KAFKA_CA_SECRET = f"{CLUSTER}-cluster-ca-cert"
HTTP_PORT = 8000
POSTGRES_PORT = 5432
UVICORN_GRACEFUL_S = 20
"""``convenio_chassis.runtime.serve`` passes this to uvicorn as ``timeout_graceful_shutdown``."""
BROKER_GRACEFUL_S = 30
"""``convenio_chassis.kafka.make_broker``: FastStream waits this long for in-flight batches."""
RELAY_FLUSH_S = 15
"""The relay's producer ``request_timeout_ms``: the last outbox flush on shutdown."""
PRE_STOP_S = 5
"""Sleep before SIGTERM so that endpoints drop the pod before it stops answering."""
TERMINATION_GRACE_S = PRE_STOP_S + UVICORN_GRACEFUL_S + BROKER_GRACEFUL_S + RELAY_FLUSH_S + 10


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    principal: Principal

    @property
    def group(self) -> str:
        return CONSUMER_GROUPS[self.principal]

    @property
    def topics(self) -> tuple[Topic, ...]:
        return subscriptions(self.principal)

    @property
    def max_replicas(self) -> int:
        """More consumers than the smallest topic's partitions would sit idle."""
        return min(t.partitions for t in self.topics)

    @property
    def module(self) -> str:
        return self.name

    @property
    def labels(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": self.name}

    @property
    def database_label(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": f"{self.name}-db"}

    @property
    def database_secret(self) -> str:
        return f"{self.name}-database"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("enrolment", Principal.SVC_ENROLMENT),
    ServiceSpec("evaluation", Principal.SVC_EVALUATION),
    ServiceSpec("reporting", Principal.SVC_REPORTING),
)
