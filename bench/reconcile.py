"""Do the counts add up? Every valid command sent took effect once, nothing was refused or
dead-lettered, and the feed counts what was enrolled. A benchmark whose counts do not
reconcile measured something other than the work it claims."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from convenio_contracts.topics import (
    ENROLMENT_COURSE,
    ENROLMENT_INTAKE,
    ENROLMENT_OFFICER,
    ENROLMENT_TRAINING,
    INTAKE_REJECTIONS,
    dead_letter_topics,
)

from .feed import state_year_enrolments
from .intake import IntakeRecord, traced_seq
from .lag import TopicSpec, partitions

Checks = dict[str, tuple[int, int]]
"""What was expected and what was found."""


async def _read(bootstrap: str, topics: Sequence[TopicSpec]) -> list[object]:
    """Every record of ``topics``, from the start up to the end offsets seen now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = partitions(topics)
        ends = {tp: end for tp, end in (await consumer.end_offsets(tps)).items() if end}
        if not ends:
            return []
        consumer.assign(list(ends))
        await consumer.seek_to_beginning(*ends)
        records: list[object] = []
        while not await _caught_up(consumer, ends):
            for part in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                records.extend(part)
        return records
    finally:
        await consumer.stop()


async def _caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    return all([await consumer.position(tp) >= end for tp, end in ends.items()])


async def _count(bootstrap: str, topics: Sequence[TopicSpec]) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = partitions(topics)
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        await consumer.stop()


def pipeline(bootstrap: str, sent: Sequence[IntakeRecord], run: int, reporting_url: str) -> Checks:
    facts = asyncio.run(
        _read(
            bootstrap,
            [
                (t.name, t.partitions)
                for t in (ENROLMENT_OFFICER, ENROLMENT_COURSE, ENROLMENT_TRAINING)
            ],
        )
    )
    traced = {traced_seq(r.headers, run) for r in facts}  # type: ignore[attr-defined]
    by_kind: dict[str, list[int]] = defaultdict(list)
    for record in sent:
        if record.topic == ENROLMENT_INTAKE.name:
            by_kind[record.kind].append(record.seq)
    checks: Checks = {
        f"enrolment: {kind} commands that became a fact": (
            len(seqs),
            sum(seq in traced for seq in seqs),
        )
        for kind, seqs in by_kind.items()
    }
    dlq = [(t.name, t.partitions) for t in dead_letter_topics()]
    checks["rejections on intake.rejections.v1"] = (
        0,
        asyncio.run(_count(bootstrap, [(INTAKE_REJECTIONS.name, INTAKE_REJECTIONS.partitions)])),
    )
    checks["dead letters, all services"] = (0, asyncio.run(_count(bootstrap, dlq)))
    checks["feed: enrolments in the state's year cells"] = (
        len(by_kind.get("enrolment", [])),
        state_year_enrolments(reporting_url),
    )
    return checks


def baseline(bootstrap: str, sinks: Sequence[TopicSpec], sent: int) -> Checks:
    return {
        f"baseline: records on {name}": (sent, asyncio.run(_count(bootstrap, [(name, count)])))
        for name, count in sinks
    }
