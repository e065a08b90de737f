"""The services under test as real processes, each with a database of its own: SQLite files
by default, or fresh databases on a PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

from convenio_chassis.local_issuer import ROSTER_LOOKUP_RATE, LocalIssuer
from convenio_chassis.process import ServiceProcess
from convenio_contracts.topics import CONSUMER_GROUPS, subscriptions

from .lag import TopicSpec
from .procstats import DATABASE_SERVER, postmaster_listening_on

SERVICES = ("enrolment", "evaluation", "reporting")


def consumed_topics(service: str) -> list[TopicSpec]:
    """What a service's consumer group reads, from the topic catalogue."""
    principal = next(p for p, group in CONSUMER_GROUPS.items() if group == service)
    return [(t.name, t.partitions) for t in subscriptions(principal)]


def _driver(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Databases:
    """One database per service and run: SQLite files in ``workdir``, or databases created on
    the PostgreSQL server ``server_url`` and dropped again by ``drop()``."""

    def __init__(self, workdir: Path, server_url: str | None = None) -> None:
        self.workdir = workdir
        self.server_url = _driver(server_url) if server_url else None
        self.prefix = f"bench_{uuid.uuid4().hex[:8]}"
        self._created: list[str] = []
        self._engines: dict[str, Engine] = {}

    @property
    def kind(self) -> str:
        return "postgresql" if self.server_url else "sqlite"

    def url(self, name: str) -> str:
        if self.server_url is None:
            return f"sqlite:///{self.workdir / f'{name}.db'}"
        return (
            make_url(self.server_url)
            .set(database=f"{self.prefix}_{name}")
            .render_as_string(hide_password=False)
        )

    def create(self, name: str) -> str:
        if self.server_url is not None:
            with self._server().connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.prefix}_{name}"'))
            self._created.append(name)
        return self.url(name)

    def engine(self, name: str) -> Engine:
        if name not in self._engines:
            self._engines[name] = create_engine(_driver(self.url(name)), pool_size=1)
        return self._engines[name]

    def count(self, name: str, sql: str) -> int:
        with self.engine(name).connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    def drop(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        if self.server_url is None:
            return
        with self._server().connect() as conn:
            for name in self._created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.prefix}_{name}" WITH (FORCE)'))
        self._created.clear()

    def server_pid(self) -> dict[str, int]:
        """The local PostgreSQL server's process, so its CPU counts as the pipeline's."""
        if self.server_url is None:
            return {}
        port = make_url(self.server_url).port
        pid = postmaster_listening_on(port) if port else None
        return {DATABASE_SERVER: pid} if pid else {}

    def server_version(self) -> str | None:
        if self.server_url is None:
            return None
        with self._server().connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one())

    def _server(self) -> Engine:
        return create_engine(self.server_url or "", isolation_level="AUTOCOMMIT", pool_size=1)


class Services:
    """Some or all of the three services on one broker, as separate processes."""

    def __init__(
        self,
        bootstrap: str,
        workdir: Path,
        databases: Databases,
        names: Iterable[str] = SERVICES,
        env: dict[str, str] | None = None,
        label: str = "",
    ) -> None:
        """``label`` keeps this set's databases apart from another's in the same run."""
        self.databases = databases
        self.issuer = LocalIssuer(workdir / "auth")
        self.db_names = {name: f"{label}_{name}" if label else name for name in names}
        self.processes = {
            name: ServiceProcess(
                name,
                {
                    "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                    "DATABASE_URL": databases.create(self.db_names[name]),
                    "LOG_FORMAT": "json",
                    # the pipeline resolves every officer at once, as a UMS system would
                    "OFFICER_LOOKUP_RATE": ROSTER_LOOKUP_RATE,
                    **self.issuer.env(name),
                    **(env or {}),
                },
                workdir / "logs" / f"{self.db_names[name]}.log",
            )
            for name in names
        }

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.processes[name]

    def start(self) -> Services:
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            process.wait_ready(timeout=120)
        return self

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    @property
    def pids(self) -> dict[str, int]:
        return {n: p.proc.pid for n, p in self.processes.items() if p.proc is not None}

    @property
    def groups(self) -> dict[str, list[TopicSpec]]:
        return {name: consumed_topics(name) for name in self.processes}

    def outbox_backlog(self) -> int:
        return sum(
            self.databases.count(db, "SELECT count(*) FROM outbox") for db in self.db_names.values()
        )
