"""Fault-injection harness: the real broker, the three services as processes, a stream of
valid intake events with a known outcome, and an exact check of the final state.

Each scenario's numbers are written to ``var/faults/<scenario>.json``; ``report.py`` renders
them into ``docs/reliability.md``, so that table is measured, never typed.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import create_engine, text

from .. import agency
from ..stack import Stack
from .workload import Workload

RESULTS = Path(__file__).resolve().parents[2] / "var" / "faults"
GROUPS = ("enrolment", "evaluation", "reporting")


class Publisher(threading.Thread):
    """Publishes commands at a bounded rate from its own thread, so the test can inject a fault
    mid-stream. Uses an idempotent producer that rides out broker restarts."""

    def __init__(self, bootstrap: str, commands: list[agency.Command], rate: float = 1500) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.commands, self.rate = bootstrap, commands, rate
        self.sent = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._publish())
        except BaseException as exc:  # surfaced by wait()
            self.error = exc

    async def _publish(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            request_timeout_ms=120_000,
        )
        await producer.start()
        try:
            started = time.monotonic()
            pending = []
            for c in self.commands:
                pending.append(await producer.send(c.topic, c.value, key=c.key, headers=c.headers))
                self.sent += 1
                ahead = self.sent / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            await asyncio.gather(*pending)
        finally:
            await producer.stop()

    def wait(self, timeout: float = 300) -> None:
        self.join(timeout)
        if self.is_alive():
            raise TimeoutError("publisher did not finish")
        if self.error:
            raise self.error

    def wait_for(self, fraction: float) -> None:
        target = int(len(self.commands) * fraction)
        while self.sent < target and self.is_alive():
            time.sleep(0.05)


def publish(bootstrap: str, commands: list[agency.Command], rate: float = 1500) -> None:
    publisher = Publisher(bootstrap, commands, rate)
    publisher.start()
    publisher.wait()


async def _lag(bootstrap: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        lag = {}
        for group in GROUPS:
            committed = await admin.list_consumer_group_offsets(group)
            topics = {tp.topic for tp in committed}
            partitions = [
                TopicPartition(t, p)
                for t in topics
                for p in (consumer.partitions_for_topic(t) or await _partitions(consumer, t))
            ]
            ends = await consumer.end_offsets(partitions) if partitions else {}
            lag[group] = sum(
                end - (committed[tp].offset if tp in committed else 0) for tp, end in ends.items()
            )
        return lag
    finally:
        await consumer.stop()
        await admin.close()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


def _outbox_backlog(stack: Stack) -> int:
    total = 0
    for name in GROUPS:
        engine = create_engine(
            stack[name].env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
        )
        try:
            with engine.connect() as conn:
                total += conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        finally:
            engine.dispose()
    return total


def wait_quiescent(stack: Stack, timeout: float = 240, settle: float = 2.0) -> float:
    """Wait until no group lags and no outbox holds a row, twice ``settle`` apart."""
    started = time.monotonic()
    calm_since: float | None = None
    while time.monotonic() - started < timeout:
        try:
            busy = sum(asyncio.run(_lag(stack.bootstrap)).values()) + _outbox_backlog(stack)
        except Exception:  # broker or database still coming back
            busy = -1
        if busy == 0:
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= settle:
                return time.monotonic() - started
        else:
            calm_since = None
        time.sleep(0.5)
    raise TimeoutError(
        f"pipeline not quiescent after {timeout}s: lag {asyncio.run(_lag(stack.bootstrap))}"
    )


def _count(url: str, sql: str) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _distinct_facts(bootstrap: str, topic: str, ce_type: str, key_field: str) -> Counter[str]:
    """How many distinct fact ids each entity got (relay re-sends share a ce_id)."""
    ids: dict[str, set[str]] = {}
    for record in asyncio.run(agency.read_all(bootstrap, topic, idle_ms=1500)):
        headers = dict(record.headers)
        if headers.get("ce_type", b"").decode() == ce_type:
            entity = json.loads(record.value)[key_field]
            ids.setdefault(entity, set()).add(headers["ce_id"].decode())
    return Counter({entity: len(fact_ids) for entity, fact_ids in ids.items()})


@dataclass
class Outcome:
    scenario: str
    events_sent: int
    expected_effects: int
    lost: int
    duplicated: int
    dead_lettered_valid: int
    dead_lettered_poison: int
    rejected: int
    recovery_s: float | None
    quiescent_after_s: float
    checks: dict[str, int] = field(default_factory=dict)
    noticed: int = 0
    """Distinct dead-letter notices on intake.rejections.v1 (ADR 0098): one per dead letter."""

    def save(self) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{self.scenario}.json").write_text(json.dumps(asdict(self), indent=2))


def verify(
    stack: Stack,
    workload: Workload,
    scenario: str,
    *,
    events_sent: int,
    recovery_s: float | None = None,
    poison: int = 0,
) -> Outcome:
    """Compare every stage with the workload's known outcome."""
    quiet = wait_quiescent(stack)
    n = workload.officers
    db = {name: stack[name].env["DATABASE_URL"] for name in GROUPS}
    checks = {
        "enrolment.officers": _count(
            db["enrolment"],
            f"SELECT count(*) FROM officer WHERE cuip >= 'CUIPTEST{workload.first_id:08d}'",
        ),
        "enrolment.enrolments": _count(
            db["enrolment"], "SELECT count(*) FROM enrolment WHERE offering_id LIKE 'FAULT-OF-%'"
        ),
        "evaluation.officers": _count(db["evaluation"], "SELECT count(*) FROM known_officer"),
        "evaluation.enrolments": _count(
            db["evaluation"],
            "SELECT count(*) FROM known_enrolment WHERE offering_id LIKE 'FAULT-OF-%'",
        ),
        "reporting.enrolments": _count(
            db["reporting"],
            "SELECT count(*) FROM enrolment_fact WHERE offering_id LIKE 'FAULT-OF-%'",
        ),
    }
    registered = _distinct_facts(
        stack.bootstrap,
        "enrolment.officer.v1",
        "mx.convenio.enrolment.officer.registered.v1",
        "officer_id",
    )
    enrolled = _distinct_facts(
        stack.bootstrap,
        "enrolment.training.v1",
        "mx.convenio.enrolment.enrolment.created.v1",
        "enrolment_id",
    )
    checks["facts.officer_registered"] = len(registered)
    checks["facts.enrolment_created"] = len(enrolled)
    feed = {
        json.loads(r.value)["cell_key"]: json.loads(r.value)
        for r in asyncio.run(
            agency.read_all(stack.bootstrap, "reporting.indicators.v1", idle_ms=1500)
        )
    }
    checks["feed.state_enrolments"] = int(
        sum(
            c["value"] or 0
            for k, c in feed.items()
            if k.startswith("training.enrolments:")
            and k.endswith(":state:15")
            and c["period_type"] == "month"
        )
    )
    answers = asyncio.run(agency.read_all(stack.bootstrap, "intake.rejections.v1", idle_ms=1000))
    notices = {
        dict(r.headers)["ce_id"]
        for r in answers
        if dict(r.headers)["ce_type"].endswith(b".intake.dead_lettered.v1")
    }
    rejections = [r for r in answers if dict(r.headers)["ce_type"].endswith(b".intake.rejected.v1")]
    letters = asyncio.run(
        agency.read_all(stack.bootstrap, "enrolment.enrolment.intake.v1.dlq", idle_ms=1000)
    )
    valid_ids = {c.ce_id for c in workload.stream}
    # The relay publishes at least once: count each dead-lettered source record once.
    letters = list({_origin(r): r for r in letters}.values())
    dead_valid = sum(1 for r in letters if dict(r.headers).get("ce_id", b"").decode() in valid_ids)
    lost = sum(max(0, n - v) for v in checks.values())
    duplicated = sum(max(0, v - n) for v in checks.values()) + sum(
        c - 1 for counter in (registered, enrolled) for c in counter.values() if c > 1
    )
    outcome = Outcome(
        scenario,
        events_sent,
        2 * n,
        lost,
        duplicated,
        dead_valid,
        len(letters) - dead_valid,
        len(rejections),
        recovery_s,
        round(quiet, 1),
        checks,
        len(notices),
    )
    outcome.save()
    return outcome


def time_until(probe: Callable[[], Any], timeout: float = 120) -> float:
    started = time.monotonic()
    while not probe():
        if time.monotonic() - started > timeout:
            raise TimeoutError("condition not reached")
        time.sleep(0.2)
    return time.monotonic() - started


def _origin(record: Any) -> tuple[bytes, ...]:
    headers = dict(record.headers)
    return tuple(headers.get(f"dlq.original.{k}", b"") for k in ("topic", "partition", "offset"))
