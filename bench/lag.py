"""Consumer lag of whole consumer groups, and waiting until a system has nothing left to do.

Lag is counted over every partition of every topic a group is meant to read (from the topic
catalogue), not only over those it has already committed on, so a group that has not yet
started on a topic shows that topic's whole backlog.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

TopicSpec = tuple[str, int]
"""A topic's name and its number of partitions."""


def partitions(topics: Sequence[TopicSpec]) -> list[TopicPartition]:
    return [TopicPartition(name, p) for name, count in topics for p in range(count)]


class LagProbe:
    def __init__(self, bootstrap: str, groups: Mapping[str, Sequence[TopicSpec]]) -> None:
        self.groups = {group: partitions(topics) for group, topics in groups.items()}
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    async def __aenter__(self) -> LagProbe:
        await self.admin.start()
        await self.consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()
        await self.admin.close()

    async def committed(self, group: str) -> dict[TopicPartition, int]:
        offsets = await self.admin.list_consumer_group_offsets(group)
        return {tp: max(0, meta.offset) for tp, meta in offsets.items()}

    async def ends(self) -> dict[TopicPartition, int]:
        every = sorted({tp for tps in self.groups.values() for tp in tps})
        return dict(await self.consumer.end_offsets(every))

    async def lags(self) -> dict[str, int]:
        ends = await self.ends()
        lag = {}
        for group, tps in self.groups.items():
            committed = await self.committed(group)
            lag[group] = sum(max(0, ends[tp] - committed.get(tp, 0)) for tp in tps)
        return lag

    async def consumed(self, group: str) -> int:
        """Records the group has committed past, over all its partitions."""
        committed = await self.committed(group)
        return sum(committed.get(tp, 0) for tp in self.groups[group])


class NotQuiet(TimeoutError):
    """The system still had work when time ran out; ``drain`` holds what was seen."""

    def __init__(self, message: str, drain: Drain) -> None:
        super().__init__(message)
        self.drain = drain


@dataclass
class Drain:
    """When each group last had lag, while waiting for the system to go quiet."""

    started: float
    quiet_at: float | None = None
    drained_at: dict[str, float] = field(default_factory=dict)
    samples: list[tuple[float, dict[str, int], int]] = field(default_factory=list)


async def watch_until_quiet(
    probe: LagProbe,
    backlog: Callable[[], int],
    started: float,
    *,
    published: asyncio.Future[object] | asyncio.Task[object],
    timeout_s: float,
    settle_s: float = 1.0,
    every_s: float = 0.2,
) -> Drain:
    """Sample lag and outbox backlog until publishing has finished and, for ``settle_s``, no
    group lags and no outbox holds a row. ``quiet_at`` is when that calm began."""
    drain = Drain(started)
    calm_since: float | None = None
    while True:
        now = time.monotonic()
        if now - started > timeout_s:
            raise NotQuiet(f"not quiet after {timeout_s:.0f}s; last: {drain.samples[-1:]}", drain)
        lags, rows = await probe.lags(), backlog()
        drain.samples.append((round(now - started, 2), lags, rows))
        for group, lag in lags.items():
            if lag:
                drain.drained_at.pop(group, None)
            else:
                drain.drained_at.setdefault(group, now)
        busy = sum(lags.values()) + rows
        if busy or not published.done():
            calm_since = None
        elif calm_since is None:
            calm_since = now
        elif now - calm_since >= settle_s:
            drain.quiet_at = calm_since
            return drain
        await asyncio.sleep(every_s)
