"""The DLQ tool lists dead letters with their reasons and re-drives chosen ones, on a real broker:
the re-driven record is the original (key, value, ce_id, trace) without the dlq.* headers, and
the service then applies it once."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from convenio_chassis.dlq_tool import read_dead_letters, redrive
from convenio_chassis.settings import KafkaSettings

from .. import agency
from ..stack import running_stack

pytestmark = [pytest.mark.connected, pytest.mark.slow]
DLQ = "enrolment.enrolment.intake.v1.dlq"
COURSE, OFFERING = "DLQ-COURSE", "DLQ-OF-1"


def _as_dead_letter(command: agency.Command, reason: str) -> list[tuple[str, bytes]]:
    """How the chassis dead-letters a record (headers as in convenio_chassis.dlq)."""
    return [
        *command.headers,
        ("dlq.reason", reason.encode()),
        ("dlq.error", b"handler bug fixed in the next release"),
        ("dlq.original.topic", b"enrolment.intake.v1"),
        ("dlq.original.partition", b"0"),
        ("dlq.original.offset", b"42"),
    ]


def test_list_then_redrive_a_chosen_dead_letter(private_kafka, tmp_path: Path) -> None:
    settings = KafkaSettings(bootstrap_servers=private_kafka.bootstrap)
    with running_stack(private_kafka.bootstrap, tmp_path, ("enrolment",)) as stack:
        # What a buggy earlier release dead-lettered: a valid registration, and real garbage.
        lost = agency.register_officer(7001, 15106)
        garbage = agency.register_officer(7002, 15106)
        asyncio.run(
            agency.send_raw(
                stack.bootstrap, DLQ, lost.value, _as_dead_letter(lost, "handler_error")
            )
        )
        asyncio.run(
            agency.send_raw(
                stack.bootstrap, DLQ, b"\x00", _as_dead_letter(garbage, "malformed_payload")
            )
        )

        letters = asyncio.run(read_dead_letters(settings, DLQ))
        summaries = [letter.summary() for letter in letters]
        assert [s["reason"] for s in summaries] == ["handler_error", "malformed_payload"]
        assert summaries[0]["ce_id"] == lost.ce_id
        assert summaries[0]["original"] == "enrolment.intake.v1[0]@42"

        sent = asyncio.run(redrive(settings, DLQ, {letters[0].position}))
        assert sent == [f"{letters[0].position} -> enrolment.intake.v1"]

        intake = asyncio.run(agency.read_all(stack.bootstrap, "enrolment.intake.v1"))
        [again] = [r for r in intake if dict(r.headers).get("ce_id") == lost.ce_id.encode()]
        assert again.value == lost.value
        assert not [k for k, _ in again.headers if k.startswith("dlq.")]

        url = f"{stack['enrolment'].url}/metrics"
        deadline = time.monotonic() + 30
        while "officer.register.v1" not in http_get_json_text(url) and time.monotonic() < deadline:
            time.sleep(0.5)
        facts = asyncio.run(agency.read_all(stack.bootstrap, "enrolment.officer.v1"))
        assert len(facts) == 1, "the re-driven registration was applied exactly once"
        assert json.loads(facts[0].value)["municipality"] == 15106


def http_get_json_text(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()
