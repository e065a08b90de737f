"""End-to-end latency: from the agency's publish to the moment the effect is visible downstream.

The tracker reads the topics where first-hop facts appear and recognises, by the trace id, the
intake record each fact continues. A downstream service commits its Kafka offsets only after
the database transaction that applied the fact (and, for reporting, updated the indicator
cells) has committed, so the fact is visible downstream once that service's committed offset
on the fact's partition has passed it. The tracker polls the committed offsets every
``poll_s`` and timestamps each fact as it is passed.

Reporting refreshes its feed on a timer (ADR 0051): its committed offset says the fact is
stored, not yet that the feed shows it. For such a group (``feed_gauges``: group -> its
``/metrics`` URL) the tracker also polls ``convenio_feed_current_as_of_seconds`` (every fact
committed before that moment is in the feed) and stamps a fact visible at the first poll where
it is at least the time the fact's offset was seen passed: a conservative stamp, since the
fact was committed somewhat before the tracker saw its offset pass.
"""

from __future__ import annotations

import asyncio
import math
import time
import urllib.request
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from .intake import traced_seq
from .lag import TopicSpec, partitions


@dataclass
class Fact:
    partition: TopicPartition
    offset: int
    appended_at: float
    """The fact record's timestamp: when the first hop's relay produced it."""


@dataclass
class Sightings:
    facts: dict[int, Fact] = field(default_factory=dict)
    visible: dict[str, dict[int, float]] = field(default_factory=dict)
    """Per downstream group, when each intake record's fact became visible to it."""


class Tracker:
    def __init__(
        self,
        bootstrap: str,
        run: int,
        fact_topics: Sequence[TopicSpec],
        groups: Sequence[str],
        poll_s: float = 0.02,
        feed_gauges: Mapping[str, str] | None = None,
    ) -> None:
        self.run, self.groups, self.poll_s = run, tuple(groups), poll_s
        self.feed_gauges = dict(feed_gauges or {})
        self._stored: dict[str, deque[tuple[float, int]]] = {g: deque() for g in self.groups}
        """Per timed-feed group: (when its offset was seen passed, seq), oldest first."""
        self.partitions = partitions(fact_topics)
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
        )
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self.seen = Sightings(visible={g: {} for g in self.groups})
        self._pending: dict[str, dict[TopicPartition, deque[tuple[int, int]]]] = {
            g: defaultdict(deque) for g in self.groups
        }

    async def __aenter__(self) -> Tracker:
        await self.admin.start()
        await self.consumer.start()
        self.consumer.assign(self.partitions)
        await self.consumer.seek_to_end(*self.partitions)
        for tp in self.partitions:  # resolve the end now: later facts are this phase's
            await self.consumer.position(tp)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()
        await self.admin.close()

    async def follow(self, expected: int, timeout_s: float) -> Sightings:
        """Until ``expected`` intake records are visible to every group, or time runs out."""
        deadline = time.monotonic() + timeout_s
        last_poll = 0.0
        while min(len(v) for v in self.seen.visible.values()) < expected:
            if time.monotonic() > deadline:
                break
            batch = await self.consumer.getmany(timeout_ms=5, max_records=2000)
            for tp, records in batch.items():
                for record in records:
                    self._saw(tp, record)
            if time.monotonic() - last_poll >= self.poll_s:
                last_poll = time.monotonic()
                await self._poll_commits()
        return self.seen

    def _saw(self, tp: TopicPartition, record: object) -> None:
        seq = traced_seq(record.headers, self.run)  # type: ignore[attr-defined]
        if seq is None or seq in self.seen.facts:
            return  # another run's, or a later fact (or a re-send) of the same command
        offset = record.offset  # type: ignore[attr-defined]
        self.seen.facts[seq] = Fact(tp, offset, record.timestamp / 1000)  # type: ignore[attr-defined]
        for group in self.groups:
            self._pending[group][tp].append((offset, seq))

    async def _poll_commits(self) -> None:
        for group in self.groups:
            offsets = await self.admin.list_consumer_group_offsets(group)
            now = time.time()
            timed = group in self.feed_gauges
            visible = self.seen.visible[group]
            for tp, waiting in self._pending[group].items():
                meta = offsets.get(tp)
                committed = meta.offset if meta is not None else -1
                while waiting and waiting[0][0] < committed:
                    seq = waiting.popleft()[1]
                    if timed:
                        self._stored[group].append((now, seq))
                    else:
                        visible[seq] = now
            if timed and self._stored[group]:
                await self._poll_feed(group)

    async def _poll_feed(self, group: str) -> None:
        """Stamp the stored facts the feed now shows (``current_as_of`` >= when stored)."""
        current_as_of = await asyncio.to_thread(feed_current_as_of, self.feed_gauges[group])
        now = time.time()
        stored, visible = self._stored[group], self.seen.visible[group]
        # Appended in the order seen, so the times are non-decreasing: stop at the first later.
        while stored and stored[0][0] <= current_as_of:
            visible[stored.popleft()[1]] = now


GAUGE = "convenio_feed_current_as_of_seconds"


def feed_current_as_of(metrics_url: str) -> float:
    """The gauge from a Prometheus text page; -inf when absent or unreadable (not yet known)."""
    try:
        with urllib.request.urlopen(metrics_url, timeout=2) as response:
            text = response.read().decode()
    except OSError:
        return -math.inf
    return current_as_of_in(text)


def current_as_of_in(metrics: str) -> float:
    for line in metrics.splitlines():
        if line.startswith((GAUGE + " ", GAUGE + "{")):
            value = float(line.rsplit(" ", 1)[1])
            return value if not math.isnan(value) else -math.inf
    return -math.inf


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0-100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_ms(sent_at: Mapping[int, float], reached: Mapping[int, float]) -> list[float]:
    return [(reached[seq] - sent) * 1000 for seq, sent in sent_at.items() if seq in reached]
