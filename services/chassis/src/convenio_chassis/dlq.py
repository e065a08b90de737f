"""Dead letters: a record that cannot be accepted goes, with its reason, to
``<group>.<topic>.dlq`` through the outbox, so the consumer moves on and nothing is lost.

The breaker bounds the damage of a bad deploy: when too many records in a window are invalid,
the consumer halts and readiness goes red instead of dead-lettering everything.
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


class DeadLetterCircuitOpenError(RuntimeError):
    """Too many invalid records in the window: stop consuming rather than dead-letter all."""


class DeadLetterBreaker:
    def __init__(self, window: int, max_invalid_ratio: float, min_invalid: int) -> None:
        self._outcomes: deque[bool] = deque(maxlen=window)
        self._max_ratio = max_invalid_ratio
        self._min_invalid = min_invalid
        self.open = False

    def record(self, invalid: bool) -> None:
        self._outcomes.append(invalid)
        invalid_count = sum(self._outcomes)
        if (
            invalid_count >= self._min_invalid
            and invalid_count / len(self._outcomes) > self._max_ratio
        ):
            self.open = True

    def snapshot(self) -> deque[bool]:
        return self._outcomes.copy()

    def restore(self, outcomes: deque[bool]) -> None:
        """Undo the records of a batch that was rolled back."""
        self._outcomes = outcomes
