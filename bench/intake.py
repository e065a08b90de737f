"""Intake records as an agency system sends them: plain JSON and hand-written CloudEvents
headers, not the project's encoder.

Each record also carries a W3C ``traceparent`` whose trace id numbers it within the run. The
services keep the trace through the outbox (design: one agency event, one trace), so the
benchmark recognises the fact each command caused on the fact topics.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import uuid_utils

from convenio_contracts.topics import topic_for

from .dataset import Command

SOURCE = "/agency/bench"
SPAN_ID = "00f067aa0ba902b7"


@dataclass(frozen=True, slots=True)
class IntakeRecord:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    seq: int
    """The record's number in its run, carried in the trace id."""
    kind: str


def traceparent(run: int, seq: int) -> str:
    return f"00-{run:08x}{seq:024x}-{SPAN_ID}-01"


def traced_seq(headers: Iterable[tuple[str, bytes | None]], run: int) -> int | None:
    """The number of the intake record whose trace ``headers`` continue, if it is this run's."""
    for name, value in headers:
        if name == "traceparent" and value:
            trace_id = value.decode("ascii", "replace").split("-")[1]
            if int(trace_id[:8], 16) == run:
                return int(trace_id[8:], 16)
    return None


def encode(command: Command, seq: int, run: int, officer_id: str | None = None) -> IntakeRecord:
    data, key = command.data, command.key
    if command.names_officer:
        if officer_id is None:
            raise ValueError(f"{command.kind} names an officer: give the officer_id")
        data, key = {**data, "officer_id": officer_id}, officer_id
    headers = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid_utils.uuid7()),
        "ce_source": SOURCE,
        "ce_type": command.ce_type,
        "ce_time": command.at.isoformat(),
        "content-type": "application/json",
        "traceparent": traceparent(run, seq),
    }
    return IntakeRecord(
        topic=topic_for(command.ce_type).name,
        key=key.encode(),
        value=json.dumps(data, ensure_ascii=False).encode(),
        headers=[(k, v.encode()) for k, v in headers.items()],
        seq=seq,
        kind=command.kind,
    )


def encode_all(
    commands: Iterable[Command],
    run: int,
    first_seq: int = 0,
    officer_id: Callable[[Command], str | None] = lambda _: None,
) -> list[IntakeRecord]:
    return [
        encode(c, seq, run, officer_id(c) if c.names_officer else None)
        for seq, c in enumerate(commands, start=first_seq)
    ]
