"""Operate dead-letter topics: list dead letters with their reasons, and re-drive chosen ones to
their original topic once the cause is fixed.

    python -m convenio_chassis.dlq_tool list enrolment.enrolment.intake.v1.dlq
    python -m convenio_chassis.dlq_tool redrive enrolment.enrolment.intake.v1.dlq 0:12 0:13

A re-driven record keeps its key, value, ``ce_id`` and trace headers and loses the ``dlq.*``
headers. Dead-lettered events were never marked processed, so the consumer applies them once.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from . import cli
from .dlq import DLQ_HEADER_PREFIX
from .kafka import client_kwargs
from .settings import KafkaSettings


@dataclass(frozen=True)
class DeadLetterRecord:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"

    def header(self, name: str) -> str:
        return dict(self.headers).get(name, b"").decode(errors="replace")

    @property
    def original_topic(self) -> str:
        return self.header(DLQ_HEADER_PREFIX + "original.topic")

    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_HEADER_PREFIX)]

    def summary(self) -> dict[str, str]:
        return {
            "position": self.position,
            "reason": self.header("dlq.reason"),
            "error": self.header("dlq.error"),
            "ce_id": self.header("ce_id"),
            "ce_type": self.header("ce_type"),
            "original": f"{self.original_topic}[{self.header('dlq.original.partition')}]"
            f"@{self.header('dlq.original.offset')}",
            "failed_at": self.header("dlq.failed_at"),
        }


async def read_dead_letters(settings: KafkaSettings, topic: str) -> list[DeadLetterRecord]:
    consumer = AIOKafkaConsumer(
        topic,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_kwargs(settings),
    )
    await consumer.start()
    try:
        records: list[DeadLetterRecord] = []
        while batch := await consumer.getmany(timeout_ms=1500):
            for part in batch.values():
                records += [
                    DeadLetterRecord(r.partition, r.offset, r.key, r.value, list(r.headers))
                    for r in part
                ]
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def redrive(settings: KafkaSettings, topic: str, positions: set[str]) -> list[str]:
    """Republish the chosen dead letters to their original topics; returns what was sent."""
    chosen = [r for r in await read_dead_letters(settings, topic) if r.position in positions]
    missing = positions - {r.position for r in chosen}
    if missing:
        raise SystemExit(f"no dead letter at {', '.join(sorted(missing))} in {topic}")
    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **client_kwargs(settings))
    await producer.start()
    try:
        for record in chosen:
            await producer.send_and_wait(
                record.original_topic,
                record.value,
                key=record.key,
                headers=record.original_headers(),
            )
    finally:
        await producer.stop()
    return [f"{r.position} -> {r.original_topic}" for r in chosen]


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser("python -m convenio_chassis.dlq_tool", __doc__ or "", [KafkaSettings])
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="dead letters with their reasons, as JSON lines")
    listing.add_argument("topic")
    again = sub.add_parser("redrive", help="republish chosen dead letters to their topics")
    again.add_argument("topic")
    again.add_argument("positions", nargs="+", help="partition:offset, as listed")
    args = parser.parse_args(argv)
    settings = KafkaSettings()
    if args.command == "list":
        for record in asyncio.run(read_dead_letters(settings, args.topic)):
            print(json.dumps(record.summary(), ensure_ascii=False))
    else:
        for line in asyncio.run(redrive(settings, args.topic, set(args.positions))):
            print(f"re-driven {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
