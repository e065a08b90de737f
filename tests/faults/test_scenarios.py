"""Each scenario streams 5,000 valid intake events through the three services while a fault
strikes, then checks that every valid event took effect exactly once at every stage."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from convenio_chassis.process import ServiceProcess

from .. import agency
from .harness import Publisher, _count, _origin, publish, time_until, verify
from .poison import poison_records

pytestmark = [pytest.mark.connected, pytest.mark.slow, pytest.mark.faults]
RATE = 1000


def assert_exact(outcome) -> None:
    assert outcome.lost == 0, outcome
    assert outcome.duplicated == 0, outcome
    assert outcome.dead_lettered_valid == 0, outcome
    assert outcome.rejected == 0, outcome


@pytest.mark.smoke
def test_a_kill_9_each_service_in_turn(stack, workload) -> None:
    publisher = Publisher(stack.bootstrap, workload.stream, RATE)
    publisher.start()
    recovery = 0.0
    for fraction, name in ((0.2, "enrolment"), (0.45, "evaluation"), (0.7, "reporting")):
        publisher.wait_for(fraction)
        stack[name].kill()
        stack[name].start()
        recovery = max(recovery, time_until(stack[name].ready))
    publisher.wait()
    outcome = verify(
        stack,
        workload,
        "a_kill_9_each_service",
        events_sent=publisher.sent,
        recovery_s=round(recovery, 1),
    )
    assert_exact(outcome)


def test_b_broker_restart_mid_stream(broker, stack, workload) -> None:
    publisher = Publisher(stack.bootstrap, workload.stream, RATE)
    publisher.start()
    publisher.wait_for(0.4)
    broker.stop()
    broker.start()
    recovery = time_until(
        lambda: all(stack[n].ready() for n in ("enrolment", "evaluation", "reporting"))
    )
    publisher.wait()
    outcome = verify(
        stack,
        workload,
        "b_broker_restart",
        events_sent=publisher.sent,
        recovery_s=round(recovery, 1),
    )
    assert_exact(outcome)


def test_e_whole_stream_delivered_three_times(stack, workload) -> None:
    stream = workload.stream * 3
    publisher = Publisher(stack.bootstrap, stream, RATE * 3)
    publisher.start()
    publisher.wait()
    outcome = verify(stack, workload, "e_stream_three_times", events_sent=publisher.sent)
    assert_exact(outcome)


@pytest.mark.smoke
def test_d_poison_interleaved_with_valid_records(stack, workload) -> None:
    poison = poison_records()
    publisher = Publisher(stack.bootstrap, workload.stream, RATE)
    publisher.start()
    for i, (_, value, headers) in enumerate(poison):
        publisher.wait_for((i + 1) / (len(poison) + 1))
        asyncio.run(agency.send_raw(stack.bootstrap, "enrolment.intake.v1", value, headers))
    publisher.wait()
    outcome = verify(
        stack, workload, "d_poison_interleaved", events_sent=publisher.sent + len(poison)
    )
    assert_exact(outcome)
    letters = asyncio.run(agency.read_all(stack.bootstrap, "enrolment.enrolment.intake.v1.dlq"))
    # The relay publishes at least once: a re-sent dead letter names the same original record.
    by_origin = {_origin(r): dict(r.headers) for r in letters}
    reasons = Counter(h["dlq.reason"].decode() for h in by_origin.values())
    assert reasons == Counter(reason for reason, _, _ in poison)
    assert all(h["dlq.error"] for h in by_origin.values())


def test_c_database_unavailable_for_ten_seconds(stack, workload) -> None:
    publisher = Publisher(stack.bootstrap, workload.stream, RATE)
    publisher.start()
    publisher.wait_for(0.3)
    locks = [
        sqlite3.connect(stack[n].env["DATABASE_URL"].split("///", 1)[1], timeout=30)
        for n in ("enrolment", "evaluation", "reporting")
    ]
    for lock in locks:
        lock.execute("BEGIN EXCLUSIVE")
    time.sleep(10)
    retrying = [
        n
        for n in ("enrolment", "evaluation", "reporting")
        if _metric_value(_metrics(stack, n), "convenio_batches_retried_total") > 0
    ]
    for lock in locks:
        lock.rollback()
        lock.close()
    recovery = time_until(
        lambda: all(stack[n].ready() for n in ("enrolment", "evaluation", "reporting"))
    )
    publisher.wait()
    outcome = verify(
        stack,
        workload,
        "c_database_locked_10s",
        events_sent=publisher.sent,
        recovery_s=round(recovery, 1),
    )
    assert_exact(outcome)
    assert retrying, "no service saw the database as unavailable: the fault did not bite"


def test_f_second_instance_joins_and_leaves(stack, workload, tmp_path) -> None:
    publisher = Publisher(stack.bootstrap, workload.stream, RATE)
    publisher.start()
    publisher.wait_for(0.25)
    twin = ServiceProcess("enrolment", dict(stack["enrolment"].env), tmp_path / "enrolment-2.log")
    twin.env.pop("HTTP_PORT")
    twin = ServiceProcess("enrolment", twin.env, tmp_path / "enrolment-2.log").start()
    recovery = time_until(twin.ready)
    publisher.wait_for(0.65)
    twin.stop()
    publisher.wait()
    outcome = verify(
        stack,
        workload,
        "f_second_instance_joins_leaves",
        events_sent=publisher.sent,
        recovery_s=round(recovery, 1),
    )
    assert_exact(outcome)
    assert "assigned to partitions" in twin.log_path.read_text(), "the twin never got partitions"


FLOOD_SOURCE = "/agency/academia-flood"


@pytest.mark.smoke
def test_g_a_flood_from_one_source_is_quarantined_while_other_sources_flow(stack, workload) -> None:
    """One publisher floods intake with garbage, far past the dead-letter breaker's limits;
    every other publisher's events keep flowing, and no record is lost: each garbage record is
    dead-lettered once, counted against its source, and the source raises an alert without
    turning the service unready. The operator then pauses the source: its records, valid or
    not, are diverted to the dead-letter topic as ``source_quarantined``."""
    flooded = _replace_source(agency.register_officer(800_000, 15106).headers, FLOOD_SOURCE)
    for _ in range(300):
        asyncio.run(agency.send_raw(stack.bootstrap, "enrolment.intake.v1", b"\x00no", flooded))
    unreadable = _replace_source(flooded, "\udcff")
    for _ in range(20):
        asyncio.run(agency.send_raw(stack.bootstrap, "enrolment.intake.v1", b"{", unreadable))
    publisher = Publisher(stack.bootstrap, workload.stream, RATE)
    publisher.start()
    enrolment_db = stack["enrolment"].env["DATABASE_URL"]
    officers = "SELECT count(*) FROM officer WHERE cuip >= 'CUIPTEST00100000'"
    time_until(lambda: _count(enrolment_db, officers) >= 100, timeout=60)
    report = http_get_json_any(f"{stack['enrolment'].url}/health/ready")
    assert report["ready"] is True, report
    assert FLOOD_SOURCE in report["alerts"]["dead_letter_flood"]["sources"], report
    text = _metrics(stack, "enrolment")
    assert _metric_value(text, "convenio_source_flooding", source=FLOOD_SOURCE) == 1
    assert (
        _metric_value(
            text,
            "convenio_source_dead_lettered_total",
            source=FLOOD_SOURCE,
            reason="malformed_payload",
        )
        == 300
    )
    unknown = _metric_value(text, "convenio_source_dead_lettered_total", source="unknown")
    assert unknown == 20, "records whose headers cannot be read count against 'unknown'"
    publisher.wait_for(0.5)

    # The operator pauses the source; its next records, even valid ones, are diverted.
    stack["enrolment"].stop()
    stack["enrolment"].env["CONSUMER_QUARANTINED_SOURCES"] = json.dumps([FLOOD_SOURCE])
    stack["enrolment"].start().wait_ready()
    paused = [
        agency.Command(c.topic, c.key, c.value, _replace_source(c.headers, FLOOD_SOURCE))
        for c in (agency.register_officer(800_001 + i, 15106) for i in range(50))
    ]
    publish(stack.bootstrap, paused)
    publisher.wait()
    outcome = verify(
        stack, workload, "g_flood_quarantined", events_sent=publisher.sent + 320 + len(paused)
    )
    assert_exact(outcome)
    assert outcome.dead_lettered_poison == 320 + len(paused), "every garbage record kept once"
    assert outcome.noticed == 320 + len(paused), "every dead letter noticed once"
    letters = asyncio.run(agency.read_all(stack.bootstrap, "enrolment.enrolment.intake.v1.dlq"))
    by_origin = {_origin(r): dict(r.headers) for r in letters}
    reasons = Counter(h["dlq.reason"].decode() for h in by_origin.values())
    assert reasons == Counter(
        malformed_payload=300, invalid_header=20, source_quarantined=len(paused)
    ), reasons
    assert (
        _metric_value(
            _metrics(stack, "enrolment"), "convenio_source_quarantined", source=FLOOD_SOURCE
        )
        == 1
    )


def _replace_source(headers: list[tuple[str, bytes]], source: str) -> list[tuple[str, bytes]]:
    value = source.encode("utf-8", "surrogateescape")
    return [(k, value if k == "ce_source" else v) for k, v in headers]


def _metrics(stack, name: str) -> str:
    with urllib.request.urlopen(f"{stack[name].url}/metrics", timeout=5) as response:
        return response.read().decode()


def http_get_json_any(url: str) -> Any:
    """GET that returns the JSON body of an error status too (readiness answers 503)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def _metric_value(text: str, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )
