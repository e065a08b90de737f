"""The services as separate processes on one broker, each with its own database: all three,
or a subset whose producers a test stands in for.

On an authenticated broker, ``service_env`` gives each service its own ``KAFKA_*`` settings
(its principal and password file) and ``admin`` the settings topic creation runs with: that
is an administrator's job, not a right any service holds.

Every service trusts the stack's own ``issuer`` (a key pair generated in ``workdir``), so a
test calls a guarded endpoint with ``stack.issuer.bearer(service, role)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from convenio_chassis.local_issuer import ROSTER_LOOKUP_RATE, LocalIssuer
from convenio_chassis.process import ServiceProcess
from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics

SERVICES = ("enrolment", "evaluation", "reporting")


class Stack:
    def __init__(
        self,
        bootstrap: str,
        workdir: Path,
        extra_env: dict[str, str] | None = None,
        services: Sequence[str] = SERVICES,
        *,
        admin: KafkaSettings | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.admin = admin or KafkaSettings(bootstrap_servers=bootstrap)
        self.issuer = LocalIssuer(workdir / "auth")
        self.services = {
            name: ServiceProcess(
                name,
                {
                    "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                    "DATABASE_URL": f"sqlite:///{workdir}/{name}.db",
                    "LOG_FORMAT": "json",
                    # tests poll the feed: a short timed refresh (ADR 0051), set explicitly
                    "REPORTING_FEED_REFRESH_INTERVAL_S": "0.1",
                    "OFFICER_LOOKUP_RATE": ROSTER_LOOKUP_RATE,
                    **self.issuer.env(name),
                    **(extra_env or {}),
                    **(service_env or {}).get(name, {}),
                },
                workdir / f"{name}.log",
            )
            for name in services
        }

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self) -> Stack:
        asyncio.run(ensure_topics(self.admin))
        for service in self.services.values():
            service.start()
        for service in self.services.values():
            service.wait_ready()
        return self

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()


@contextmanager
def running_stack(
    bootstrap: str,
    workdir: Path,
    services: Sequence[str] = SERVICES,
    *,
    admin: KafkaSettings | None = None,
    service_env: Mapping[str, Mapping[str, str]] | None = None,
    **env: str,
) -> Iterator[Stack]:
    stack = Stack(bootstrap, workdir, env, services, admin=admin, service_env=service_env).start()
    try:
        yield stack
    finally:
        stack.stop()
