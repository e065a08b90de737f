"""Dead letters: a record that cannot be accepted goes, with its reason, to
``<group>.<topic>.dlq`` through the outbox, so the consumer moves on and nothing is lost.

The breaker watches each source (the record's ``ce_source``) on its own: when too many of a
source's recent records are invalid, the source is flagged as flooding (a metric and an alert in
readiness) so an operator can pause it (``quarantine.py``). It never halts the consumer: what one
publisher sends must not stop the others' events (ADR 0080).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from convenio_contracts.envelope import TRACE_HEADERS
from convenio_contracts.topics import dlq_topic_name

from .outbox import OutboxRecord, encode_headers

DLQ_HEADER_PREFIX = "dlq."
UNKNOWN_SOURCE = "unknown"
"""The source of a record whose ``ce_source`` header is missing or not UTF-8."""
MAX_DEAD_LETTER_BYTES = 900 * 1024
"""Larger values are truncated so the dead letter itself fits Kafka's default 1 MiB limit."""


class RawRecord(Protocol):
    """What the consumer reads from Kafka (aiokafka's ``ConsumerRecord`` fits)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> tuple[tuple[str, bytes], ...] | list[tuple[str, bytes]]: ...


def record_source(record: RawRecord) -> str:
    """Who sent the record, as it says (``ce_source``); ``unknown`` when that cannot be read.

    Today every intake channel is shared, so the header is all there is; once each publisher
    has its own topic, the topic names the source and this is where that goes."""
    for key, value in record.headers or ():
        if key == "ce_source":
            try:
                return value.decode("utf-8") or UNKNOWN_SOURCE
            except (UnicodeDecodeError, AttributeError):
                return UNKNOWN_SOURCE
    return UNKNOWN_SOURCE


@dataclass(frozen=True)
class DeadLetter:
    reason: str
    detail: str
    exception: str


def dead_letter_row(
    group: str,
    record: RawRecord,
    letter: DeadLetter,
    trace_headers: Mapping[str, str] | None = None,
) -> OutboxRecord:
    """``trace_headers``, when given, replace the record's own, so the dead letter continues
    the trace of the attempt that gave up on it."""
    value = record.value
    replaced = DLQ_HEADER_PREFIX, *(TRACE_HEADERS if trace_headers else ())
    headers = [(k, v) for k, v in (record.headers or ()) if not k.startswith(replaced)]
    headers += [(k, v.encode()) for k, v in (trace_headers or {}).items()]
    extra = {
        "reason": letter.reason,
        "error": letter.detail[:2000],
        "exception": letter.exception,
        "original.topic": record.topic,
        "original.partition": str(record.partition),
        "original.offset": str(record.offset),
        "consumer.group": group,
        "failed_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    if value is not None and len(value) > MAX_DEAD_LETTER_BYTES:
        extra["truncated_from_bytes"] = str(len(value))
        value = value[:MAX_DEAD_LETTER_BYTES]
    headers += [(DLQ_HEADER_PREFIX + k, v.encode()) for k, v in extra.items()]
    return OutboxRecord(
        topic=dlq_topic_name(group, record.topic),
        key=record.key,
        value=value,
        headers=encode_headers(headers),
        event_type=f"dead-letter:{letter.reason}",
    )


class DeadLetterBreaker:
    """A sliding window of valid/invalid outcomes per source label (a bounded set, see
    ``Quarantine.label``); a source whose window is over the limits is flooding."""

    def __init__(self, window: int, max_invalid_ratio: float, min_invalid: int) -> None:
        self._window = window
        self._max_ratio = max_invalid_ratio
        self._min_invalid = min_invalid
        self._outcomes: dict[str, deque[bool]] = {}

    def record(self, invalid: bool, source: str = UNKNOWN_SOURCE) -> None:
        outcomes = self._outcomes.get(source)
        if outcomes is None:
            outcomes = self._outcomes[source] = deque(maxlen=self._window)
        outcomes.append(invalid)

    def flooding(self) -> set[str]:
        """The sources whose recent records are mostly garbage: the alert condition."""
        return {
            source
            for source, outcomes in dict(self._outcomes).items()
            if self._over_limits(list(outcomes))
        }

    def sources(self) -> list[str]:
        return sorted(dict(self._outcomes))

    def _over_limits(self, outcomes: list[bool]) -> bool:
        invalid = sum(outcomes)
        return invalid >= self._min_invalid and invalid / len(outcomes) > self._max_ratio

    def snapshot(self) -> dict[str, deque[bool]]:
        return {source: outcomes.copy() for source, outcomes in self._outcomes.items()}

    def restore(self, outcomes: dict[str, deque[bool]]) -> None:
        """Undo the records of a batch that was rolled back."""
        self._outcomes = outcomes
