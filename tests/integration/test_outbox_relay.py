"""The outbox keeps an event while the broker is unreachable and delivers it when it returns."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlmodel import select

from convenio_chassis.db import create_tables, make_engine, session_factory
from convenio_chassis.health import Health
from convenio_chassis.kafka import make_producer
from convenio_chassis.metrics import Metrics
from convenio_chassis.outbox import OutboxRecord, outbox_row_for
from convenio_chassis.relay import OutboxRelay
from convenio_chassis.settings import KafkaSettings, OutboxSettings
from convenio_chassis.topics_admin import ensure_topics
from convenio_contracts.enrolment import OfficerRegistered
from convenio_contracts.topics import ENROLMENT_OFFICER

from .. import agency

pytestmark = [pytest.mark.connected, pytest.mark.slow]


def fact(n: int) -> OfficerRegistered:
    return OfficerRegistered(
        officer_id=f"off_{n:032x}",
        sex="mujer",
        corporation="Policía Estatal",
        level="estatal",
        municipality=15001,
        profile="reaccion",
        rank="policía",
        hire_year=2020,
    )


async def test_outbox_survives_a_broker_outage_and_delivers_on_return(
    private_kafka, tmp_path: Path
) -> None:
    settings = KafkaSettings(bootstrap_servers=private_kafka.bootstrap)
    await ensure_topics(settings, (ENROLMENT_OFFICER,))
    engine = make_engine(f"sqlite:///{tmp_path}/outbox.db")
    create_tables(engine, [OutboxRecord])
    sessions = session_factory(engine)
    health = Health()
    relay = OutboxRelay(
        sessions,
        lambda: make_producer(settings, "test-relay"),
        OutboxSettings(poll_interval_s=0.2, retry_backoff_max_s=1.0),
        health,
        Metrics(),
    )

    await asyncio.to_thread(private_kafka.stop)
    with sessions() as session, session.begin():  # a handler commits while the broker is down
        row = outbox_row_for(fact(1), source="/tests")
        session.add(row)
    event_id = dict(row.header_list())["ce_id"]
    relay.start()
    try:
        await asyncio.sleep(4)
        with sessions() as session:
            assert len(list(session.exec(select(OutboxRecord)))) == 1, "row lost while broker down"
        assert health.report()["checks"]["outbox_relay"]["ok"] is False

        await asyncio.to_thread(private_kafka.restart)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sessions() as session:
                if not list(session.exec(select(OutboxRecord))):
                    break
            await asyncio.sleep(0.5)
        records = await agency.read_all(private_kafka.bootstrap, ENROLMENT_OFFICER.name)
        delivered = [dict(r.headers)["ce_id"] for r in records]
        assert delivered.count(event_id) == 1
        assert health.report()["checks"]["outbox_relay"]["ok"] is True
    finally:
        await relay.stop()
        engine.dispose()
