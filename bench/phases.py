"""The two measurements made of the pipeline and of the baseline alike.

- **Throughput**: publish a stream as fast as the producer goes; time from the first send until
  every consumer group has no lag and every outbox is empty.
- **Latency**: offer a stream at a fixed rate; for each record, time from its publish until
  its effect is visible downstream (see ``tracker.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .intake import IntakeRecord
from .lag import LagProbe, TopicSpec, watch_until_quiet
from .procstats import ProcessUsage, UsageMeter
from .publish import agency_producer, publish_fast, publish_paced
from .tracker import Tracker, latency_ms, percentile


class System(Protocol):
    """What the measurements need of the pipeline or the baseline."""

    name: str
    bootstrap: str

    @property
    def pids(self) -> dict[str, int]: ...
    @property
    def groups(self) -> dict[str, list[TopicSpec]]: ...
    @property
    def fact_topics(self) -> list[TopicSpec]: ...
    @property
    def downstream(self) -> list[str]:
        """Groups whose commit makes an effect visible; the first is the headline."""
        ...

    def topic_of(self, record: IntakeRecord) -> str: ...
    def outbox_backlog(self) -> int: ...


@dataclass
class GroupLoad:
    consumed: int
    busy_s: float | None
    """From the first publish until the group last had lag."""
    records_per_s: float | None


@dataclass
class Throughput:
    system: str
    events: int
    publish_s: float
    elapsed_s: float
    events_per_s: float
    groups: dict[str, GroupLoad]
    usage: dict[str, ProcessUsage]


@dataclass
class Percentiles:
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Percentiles:
        return cls(*(round(percentile(values, q), 1) for q in (50, 95, 99, 100)))


@dataclass
class Latency:
    system: str
    offered_per_s: float
    events: int
    offered_s: float
    visible: dict[str, int]
    """How many of the events became visible to each downstream group."""
    end_to_end_ms: Percentiles | None
    """Publish to visible in the headline group (reporting, or its twin)."""
    by_group_ms: dict[str, Percentiles]
    first_hop_ms: Percentiles | None
    """Publish to the fact being appended to its topic."""
    usage: dict[str, ProcessUsage]
    extra: dict[str, float] = field(default_factory=dict)


def meter_for(system: System, extra_pids: dict[str, int]) -> UsageMeter:
    return UsageMeter.of({**system.pids, **extra_pids})


async def throughput(
    system: System, records: Sequence[IntakeRecord], extra_pids: dict[str, int], timeout_s: float
) -> Throughput:
    async with LagProbe(system.bootstrap, system.groups) as probe:
        before = {group: await probe.consumed(group) for group in system.groups}
        producer = agency_producer(system.bootstrap)
        await producer.start()
        meter = meter_for(system, extra_pids)
        meter.start()
        started = time.monotonic()
        publishing = asyncio.create_task(publish_fast(producer, records, system.topic_of))
        try:
            drain = await watch_until_quiet(
                probe,
                system.outbox_backlog,
                started,
                published=publishing,
                timeout_s=timeout_s,
            )
        finally:
            usage = await meter.stop()
            await producer.stop()
        published_at = publishing.result()
        groups = {}
        for group in system.groups:
            consumed = await probe.consumed(group) - before[group]
            busy = drain.drained_at.get(group)
            busy_s = round(busy - started, 2) if busy is not None else None
            rate = round(consumed / busy_s, 1) if busy_s else None
            groups[group] = GroupLoad(consumed, busy_s, rate)
    assert drain.quiet_at is not None
    elapsed = drain.quiet_at - started
    return Throughput(
        system=system.name,
        events=len(records),
        publish_s=round(published_at - started, 2),
        elapsed_s=round(elapsed, 2),
        events_per_s=round(len(records) / elapsed, 1),
        groups=groups,
        usage=usage,
    )


async def latency(
    system: System,
    records: Sequence[IntakeRecord],
    rate: float,
    run: int,
    extra_pids: dict[str, int],
    timeout_s: float,
) -> Latency:
    sent_at: dict[int, float] = {}
    feed_gauges = getattr(system, "feed_gauges", None)  # the baseline has no timed feed
    tracker = Tracker(
        system.bootstrap, run, system.fact_topics, system.downstream, feed_gauges=feed_gauges
    )
    async with tracker, LagProbe(system.bootstrap, system.groups) as probe:
        producer = agency_producer(system.bootstrap)
        await producer.start()
        meter = meter_for(system, extra_pids)
        meter.start()
        publishing = asyncio.create_task(
            publish_paced(producer, records, system.topic_of, rate, sent_at)
        )
        try:
            seen = await tracker.follow(len(records), timeout_s)
            offered_s = await publishing
        finally:
            usage = await meter.stop()
            await producer.stop()
        # Let the next phase start from a quiet system.
        await watch_until_quiet(
            probe, system.outbox_backlog, time.monotonic(), published=publishing, timeout_s=600
        )
    headline = system.downstream[0]
    by_group = {g: latency_ms(sent_at, seen.visible[g]) for g in system.downstream}
    appended = {seq: fact.appended_at for seq, fact in seen.facts.items()}
    first_hop = latency_ms(sent_at, appended)
    return Latency(
        system=system.name,
        offered_per_s=rate,
        events=len(records),
        offered_s=round(offered_s, 2),
        visible={g: len(v) for g, v in by_group.items()},
        end_to_end_ms=Percentiles.of(by_group[headline]) if by_group[headline] else None,
        by_group_ms={g: Percentiles.of(v) for g, v in by_group.items() if v},
        first_hop_ms=Percentiles.of(first_hop) if first_hop else None,
        usage=usage,
    )
