"""The services as separate processes on one broker, each with its own database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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
    ) -> None:
        self.bootstrap = bootstrap
        self.services = {
            name: ServiceProcess(
                name,
                {
                    "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                    "DATABASE_URL": f"sqlite:///{workdir}/{name}.db",
                    "LOG_FORMAT": "json",
                    **(extra_env or {}),
                },
                workdir / f"{name}.log",
            )
            for name in services
        }

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self) -> Stack:
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=self.bootstrap)))
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
    bootstrap: str, workdir: Path, services: Sequence[str] = SERVICES, **env: str
) -> Iterator[Stack]:
    """The services (all three, or a subset whose producers a test stands in for)."""
    stack = Stack(bootstrap, workdir, env, services).start()
    try:
        yield stack
    finally:
        stack.stop()
