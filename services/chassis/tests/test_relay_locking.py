"""The relay publishes while another transaction holds SQLite's write lock (the consumer's
batch, under load), and never publishes a row twice while its delete waits for that lock."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from convenio_chassis.db import create_tables, make_engine, session_factory
from convenio_chassis.health import Health
from convenio_chassis.metrics import Metrics
from convenio_chassis.outbox import OutboxRecord, outbox_row_for
from convenio_chassis.relay import OutboxRelay
from convenio_chassis.settings import OutboxSettings
from convenio_contracts.enrolment import OfficerRegistered


class Producer:
    def __init__(self) -> None:
        self.sent: list[bytes | None] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, topic: str, value, key, headers) -> asyncio.Future[object]:
        self.sent.append(value)
        delivered: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        delivered.set_result(None)
        return delivered


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


async def until(condition: Callable[[], bool], what: str, within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)


def relay_with_rows(path: Path, rows: int, batch_size: int) -> tuple[Engine, Producer, OutboxRelay]:
    """An outbox on SQLite holding ``rows`` facts, and a relay over it as the runtime builds it.
    Writers wait up to a minute for the lock: without snapshot reads the relay would wait too."""
    engine = make_engine(f"sqlite:///{path}", busy_timeout_ms=60_000)
    create_tables(engine, [OutboxRecord])
    with session_factory(engine)() as session, session.begin():
        session.add_all(outbox_row_for(fact(n), source="/t") for n in range(rows))
    producer = Producer()
    relay = OutboxRelay(
        session_factory(engine),
        lambda: producer,  # type: ignore[arg-type,return-value]
        OutboxSettings(batch_size=batch_size, poll_interval_s=0.05),
        Health(),
        Metrics(),
        read_sessions=session_factory(engine, read_only=True),
    )
    return engine, producer, relay


def emptied(engine: Engine) -> Callable[[], bool]:
    def check() -> bool:
        with session_factory(engine, read_only=True)() as session:
            return not list(session.exec(select(OutboxRecord)))

    return check


async def test_the_relay_publishes_under_a_held_write_lock_and_deletes_once_it_is_free(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.db"
    engine, producer, relay = relay_with_rows(path, rows=5, batch_size=2)
    batch = sqlite3.connect(path, isolation_level=None, timeout=60)
    batch.execute("BEGIN IMMEDIATE")  # the consumer's batch, holding the write lock
    relay.start()
    try:
        await until(lambda: len(producer.sent) == 5, "every row published under the lock")
        for _ in range(5):  # more rounds while the deletes still wait: nothing twice
            relay.wake()
            await asyncio.sleep(0.1)
        assert len(producer.sent) == 5
        assert len(set(producer.sent)) == 5

        batch.execute("COMMIT")

        await until(emptied(engine), "published rows deleted once the lock is free")
        assert len(producer.sent) == 5
    finally:
        batch.close()
        await relay.stop()
        engine.dispose()


async def test_a_row_that_took_a_deleted_rows_id_is_published_not_deleted(
    tmp_path: Path,
) -> None:
    """Two instances share a database (scenario f): while this relay's delete waits, the other
    instance deletes the same published rows and a batch writes new rows; SQLite gives them the
    freed ids. The waiting delete must leave the new rows alone, and they must go out."""
    path = tmp_path / "outbox.db"
    engine, producer, relay = relay_with_rows(path, rows=3, batch_size=10)
    other = sqlite3.connect(path, isolation_level=None, timeout=60)
    other.execute("BEGIN IMMEDIATE")  # the other instance, holding the lock
    relay.start()
    try:
        await until(lambda: len(producer.sent) == 3, "the first rows published")
        other.execute("DELETE FROM outbox")  # the other instance published and deleted them too
        fresh = [outbox_row_for(fact(n), source="/t") for n in range(10, 13)]
        for row in fresh:  # a batch's new rows, given the freed ids 1-3
            other.execute(
                "INSERT INTO outbox (topic, key, value, headers, event_type, event_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    row.topic,
                    row.key,
                    row.value,
                    row.headers,
                    row.event_type,
                    row.event_id,
                    row.created_at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                ),
            )
        assert [i for (i,) in other.execute("SELECT id FROM outbox ORDER BY id")] == [1, 2, 3]
        other.execute("COMMIT")

        await until(lambda: len(producer.sent) == 6, "the new rows published")
        assert set(producer.sent[3:]) == {row.value for row in fresh}

        await until(emptied(engine), "every row deleted once published")
    finally:
        other.close()
        await relay.stop()
        engine.dispose()
