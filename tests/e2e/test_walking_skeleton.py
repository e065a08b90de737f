"""One agency event through all three services, on the real broker, as separate processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from convenio_chassis.process import http_get_json

from .. import agency
from ..polling import eventually
from ..stack import Stack, running_stack

pytestmark = [pytest.mark.connected, pytest.mark.slow]

TOLUCA = 15106
COURSE, OFFERING = "UMS-PR-2026", "UMS-PR-2026-01"


def read(bootstrap: str, topic: str) -> list[Any]:
    return asyncio.run(agency.read_all(bootstrap, topic, idle_ms=1000))


def latest_by_key(records: list[Any]) -> dict[str, dict[str, Any]]:
    return {r.key.decode(): json.loads(r.value) for r in records}


def this_month() -> str:
    return dt.datetime.now(ZoneInfo("America/Mexico_City")).strftime("%Y-%m")


@pytest.fixture(scope="module")
def stack(private_kafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = Path(tmp_path_factory.mktemp("stack"))
    # True figures: "counted once" needs the exact count (the protection: ADR 0070).
    with running_stack(private_kafka.bootstrap, workdir, REPORTING_DISCLOSURE_CONTROL="none") as s:
        yield s


@pytest.fixture(scope="module")
def scenario(stack: Stack) -> dict[str, Any]:
    """Six officers enrolled (one request sent twice), then poison, then a seventh officer."""
    bs = stack.bootstrap
    asyncio.run(
        agency.send(bs, agency.publish_course(COURSE), agency.schedule_offering(OFFERING, COURSE))
    )
    assert eventually(
        lambda: any(
            json.loads(r.value).get("offering_id") == OFFERING
            for r in read(bs, "enrolment.course.v1")
        )
    )
    officers = [agency.register_officer(i, TOLUCA) for i in range(6)]
    enrolments = [agency.request_enrolment(i, OFFERING) for i in range(6)]
    asyncio.run(agency.send(bs, *officers, *enrolments, enrolments[-1]))  # the last one twice

    valid_headers = officers[0].headers
    broken = json.loads(agency.register_officer(99, TOLUCA).value)
    del broken["curp"]
    asyncio.run(
        agency.send_raw(bs, "enrolment.intake.v1", b"\x89PNG\r\n\x1a garbage", valid_headers)
    )
    missing_field = agency.command("mx.convenio.enrolment.officer.register.v1", broken, key="x")
    asyncio.run(agency.send(bs, missing_field))
    asyncio.run(
        agency.send(bs, agency.register_officer(6, TOLUCA), agency.request_enrolment(6, OFFERING))
    )
    return {"missing_field_id": missing_field.ce_id}


def _cell(month: str, geography: str) -> str:
    return f"training.enrolments:{month}:{geography}"


def test_a_valid_intake_event_reaches_the_onc_feed_topic_counted_once(stack, scenario) -> None:
    key = _cell(this_month(), f"municipality:{TOLUCA}")

    def seven_enrolments() -> dict[str, Any] | None:
        cell = latest_by_key(read(stack.bootstrap, "reporting.indicators.v1")).get(key)
        return cell if cell and cell["value"] == 7 else None

    cell = eventually(seven_enrolments)
    assert cell, f"feed never showed 7 enrolments for {key}"
    assert cell["numerator"] == 7
    assert cell["suppressed"] is False
    state = latest_by_key(read(stack.bootstrap, "reporting.indicators.v1"))[
        _cell(this_month(), "state:15")
    ]
    assert state["value"] == 7


def test_the_same_cell_is_served_at_get_indicators(stack, scenario) -> None:
    query = f"indicator=training.enrolments&geography=municipality:{TOLUCA}"
    url = f"{stack['reporting'].url}/indicators?{query}"
    month_cells = eventually(
        lambda: [c for c in http_get_json(url) if c["period"] == this_month() and c["value"] == 7]
    )
    assert month_cells, http_get_json(url)
    assert month_cells[0]["revision"] >= 1


def test_garbage_and_a_missing_field_land_in_the_dead_letter_topic_with_reasons(
    stack, scenario
) -> None:
    dlq = "enrolment.enrolment.intake.v1.dlq"
    letters = eventually(
        lambda: len(read(stack.bootstrap, dlq)) >= 2 and read(stack.bootstrap, dlq)
    )
    reasons = {dict(r.headers)["dlq.reason"].decode(): dict(r.headers) for r in letters}
    assert set(reasons) == {"malformed_payload", "contract_violation"}
    assert b"curp" in reasons["contract_violation"]["dlq.error"]
    assert reasons["contract_violation"]["ce_id"].decode() == scenario["missing_field_id"]
    assert reasons["malformed_payload"]["dlq.original.topic"] == b"enrolment.intake.v1"


def test_each_dead_letter_gives_its_publisher_a_notice_without_the_payload(stack, scenario) -> None:
    """ADR 0098: the publisher cannot read the DLQ, so intake.rejections.v1 tells it why and
    where each of its records was dead-lettered, with its ce_id, and nothing of the record."""
    dlq = "enrolment.enrolment.intake.v1.dlq"
    letters = eventually(
        lambda: len(read(stack.bootstrap, dlq)) >= 2 and read(stack.bootstrap, dlq)
    )

    def notices() -> list[Any]:
        records = read(stack.bootstrap, "intake.rejections.v1")
        return [
            r
            for r in records
            if dict(r.headers)["ce_type"] == b"mx.convenio.enrolment.intake.dead_lettered.v1"
        ]

    told = eventually(lambda: len(notices()) >= 2 and notices())
    by_position = {}
    for record in told:
        notice = json.loads(record.value)
        by_position[(notice["original_partition"], notice["original_offset"])] = (record, notice)
    assert len(by_position) == len(told) == 2
    for letter in letters:
        headers = dict(letter.headers)
        position = int(headers["dlq.original.partition"]), int(headers["dlq.original.offset"])
        record, notice = by_position[position]
        assert notice["reason"] == headers["dlq.reason"].decode()
        assert notice["original_topic"] == "enrolment.intake.v1"
        assert notice["original_event_id"] == headers["ce_id"].decode()
        assert notice["original_source"] == headers["ce_source"].decode()
        assert record.key == headers["ce_id"]
        # Nothing of the record: its payload (the garbage, the officer's name and CUIP), its
        # key, and the error detail (which quotes the payload) are only in the dead letter.
        sent = record.value + b"".join(v for _, v in record.headers)
        for secret in (b"garbage", b"PNG", agency.name_of(99).encode(), headers["dlq.error"]):
            assert secret not in sent
        assert agency.cuip_of(99).encode() not in sent
    reasons = {n["reason"]: n for _, n in by_position.values()}
    assert set(reasons) == {"malformed_payload", "contract_violation"}
    assert reasons["contract_violation"]["original_event_id"] == scenario["missing_field_id"]


def test_evaluation_recorded_the_officers_and_enrolments(stack, scenario) -> None:
    def handled() -> float:
        return _metric_sum(_metrics(stack, "evaluation"), "convenio_records_handled_total")

    # 7 officers registered, 7 enrolments created and the offering scheduled (its instructors
    # are whom feedback may rate, ADR 0077); the duplicate request created nothing
    assert eventually(lambda: handled() >= 15)
    time.sleep(1)
    assert handled() == 15


def _metrics(stack: Stack, service: str) -> str:
    import urllib.request

    with urllib.request.urlopen(f"{stack[service].url}/metrics", timeout=5) as r:
        return r.read().decode()


def _metric_sum(text: str, name: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{")
    )
