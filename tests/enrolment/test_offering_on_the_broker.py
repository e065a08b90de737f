"""A whole offering through the enrolment service on the real broker, as an agency drives it:
register, enrol, attend, correct, close; every refusal read back from
``intake.rejections.v1``; and a scan of every fact topic for identity."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from convenio_chassis.http_auth import Role
from convenio_chassis.local_issuer import LocalIssuer
from convenio_chassis.process import ServiceProcess, http_get_json
from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics
from convenio_contracts.topics import CATALOGUE, ENROLMENT_INTAKE, Principal

from .. import agency
from ..agency import Command, Watcher

pytestmark = [pytest.mark.connected, pytest.mark.slow]

COURSE, OFFERING = "UMS-PR-2026", "UMS-PR-2026-01"
TOLUCA = 15106
PEOPLE = range(1, 7)
FACT_TOPICS = tuple(
    t.name for t in CATALOGUE if t.owner is Principal.SVC_ENROLMENT and t is not ENROLMENT_INTAKE
)
DLQ = "enrolment.enrolment.intake.v1.dlq"
SESSIONS = [
    agency.session("S1", "teoria", "2026-03-02", 240),
    agency.session("S2", "teoria", "2026-03-03", 120),
    agency.session("S3", "practica", "2026-03-04", 300),
    agency.session("S4", "practica", "2026-03-05", 300),
    agency.session("S5", "practica", "2026-03-06", 60),
]
EVERY_ENROLMENT_REASON = {
    "unknown_officer", "unknown_course", "unknown_offering", "unknown_session",
    "offering_full", "offering_closed", "duplicate_enrolment", "not_enrolled",
    "inactive_officer", "conflicting_registration", "conflicting_definition",
    "session_outside_offering", "attendance_already_recorded", "nothing_to_void",
    "invalid_request",
}  # fmt: skip


@dataclass
class Scenario:
    watcher: Watcher
    refused: dict[str, tuple[str, str]]
    """ce_id of each command sent to be refused -> (its ce_type, the reason expected)"""


@pytest.fixture(scope="module")
def service(
    private_kafka, tmp_path_factory: pytest.TempPathFactory, local_issuer: LocalIssuer
) -> Iterator[ServiceProcess]:
    asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=private_kafka.bootstrap)))
    workdir = Path(tmp_path_factory.mktemp("enrolment"))
    process = ServiceProcess(
        "enrolment",
        {
            "KAFKA_BOOTSTRAP_SERVERS": private_kafka.bootstrap,
            "DATABASE_URL": f"sqlite:///{workdir}/enrolment.db",
            "LOG_FORMAT": "json",
            **local_issuer.env("enrolment"),
        },
        workdir / "enrolment.log",
    )
    process.start().wait_ready()
    try:
        yield process
    finally:
        process.stop()


class Agency:
    """Sends commands and remembers which ones it expects refused, and why."""

    def __init__(self, bootstrap: str, watcher: Watcher) -> None:
        self.bootstrap = bootstrap
        self.watcher = watcher
        self.refused: dict[str, tuple[str, str]] = {}

    def refuse(self, command: Command, reason: str) -> Command:
        ce_type = dict(command.headers)["ce_type"].decode()
        self.refused[command.ce_id] = (ce_type, reason)
        return command

    async def send(self, *commands: Command) -> None:
        await agency.send(self.bootstrap, *commands)

    async def answered(self, what: str, **facts: int) -> None:
        """Wait until every refusal so far came back and each fact reached its count."""

        def done(w: Watcher) -> bool:
            counts = all(len(w.facts(action)) >= n for action, n in facts.items())
            return counts and all(w.rejection(ce_id) for ce_id in self.refused)

        await self.watcher.until(what, done)


async def drive(bootstrap: str) -> Scenario:
    async with Watcher(bootstrap, *FACT_TOPICS, DLQ) as watcher:
        a = Agency(bootstrap, watcher)
        outside = [*SESSIONS[:4], agency.session("S9", "practica", "2026-04-01", 60)]
        await a.send(
            agency.publish_course(COURSE, planned_theory_hours=6, planned_practice_hours=11),
            agency.schedule_sessions(OFFERING, COURSE, 3, SESSIONS),
            a.refuse(  # sessions that do not add up to the course's plan
                agency.schedule_sessions(f"{COURSE}-03", COURSE, 3, SESSIONS[:4]),
                "invalid_request",
            ),
            a.refuse(
                agency.schedule_sessions(f"{COURSE}-02", COURSE, 3, outside),
                "session_outside_offering",
            ),
            a.refuse(agency.schedule_offering("NOPE-01", "UMS-NOPE"), "unknown_course"),
        )
        await a.answered("the schedule", **{"offering.scheduled": 1})

        await a.send(
            *(agency.register_officer(i, TOLUCA) for i in PEOPLE),
            agency.change_assignment(6, status="baja"),
            a.refuse(agency.register_officer(1, 15001), "conflicting_registration"),
        )
        await a.answered("the roster", **{"officer.registered": 6, "officer.assignment_changed": 1})

        await a.send(
            *(agency.request_enrolment(i, OFFERING) for i in (1, 2, 3)),
            a.refuse(agency.request_enrolment(6, OFFERING), "inactive_officer"),
            a.refuse(agency.request_enrolment(99, OFFERING), "unknown_officer"),
            a.refuse(agency.request_enrolment(1, "NOPE-01"), "unknown_offering"),
        )
        await a.answered("three enrolments", **{"enrolment.created": 3})
        await a.send(
            a.refuse(agency.request_enrolment(4, OFFERING), "offering_full"),
            a.refuse(agency.request_enrolment(1, OFFERING), "duplicate_enrolment"),
        )
        await a.answered("a full offering")
        await a.send(
            agency.withdraw_enrolment(3, OFFERING),
            a.refuse(agency.withdraw_enrolment(5, OFFERING), "not_enrolled"),
        )
        await a.answered("a withdrawal", **{"enrolment.withdrawn": 1})
        await a.send(agency.request_enrolment(4, OFFERING))
        await a.answered("the freed seat taken", **{"enrolment.created": 4})

        await a.send(*attendance(a))
        await a.answered("the registers", **{"attendance.recorded": 14, "record.voided": 1})

        await a.send(agency.close_offering(OFFERING, COURSE))
        await a.answered("the close", **{"offering.closed": 1})
        await a.send(
            a.refuse(agency.record_attendance(2, OFFERING, "S4", "present", 300), "offering_closed")
        )
        await agency.send_raw(bootstrap, ENROLMENT_INTAKE.name, b"{not json", [])
        await a.answered("refusals after the close")
        await watcher.until(
            "the dead letter and its notice",
            lambda w: w.on(DLQ) and w.facts("intake.dead_lettered"),
        )
        return Scenario(watcher, a.refused)


def attendance(a: Agency) -> list[Command]:
    def mark(i: int, session_id: str, status: str, minutes: int = 0) -> Command:
        return agency.record_attendance(i, OFFERING, session_id, status, minutes)

    return [
        # officer 1 attends everything, late once
        mark(1, "S1", "present", 240),
        mark(1, "S2", "late", 100),
        mark(1, "S3", "present", 300),
        mark(1, "S4", "present", 300),
        mark(1, "S5", "present", 60),
        # officer 2: four of five with one justified, after correcting a wrong mark; only 4 of
        # 6 theory hours and 6 of 11 practice hours delivered, so not completed (ADR 0076)
        mark(2, "S1", "present", 240),
        mark(2, "S2", "justified"),
        mark(2, "S3", "present", 300),
        mark(2, "S4", "absent"),
        mark(2, "S5", "absent"),
        agency.void_attendance(2, OFFERING, "S5", "registro equivocado"),
        mark(2, "S5", "present", 60),
        # officer 4: three of five
        mark(4, "S1", "present", 240),
        mark(4, "S3", "present", 300),
        mark(4, "S5", "present", 60),
        a.refuse(mark(1, "S9", "present", 60), "unknown_session"),
        a.refuse(mark(1, "S1", "absent"), "attendance_already_recorded"),
        a.refuse(mark(3, "S1", "present", 240), "not_enrolled"),
        a.refuse(agency.void_attendance(4, OFFERING, "S2", "no hubo registro"), "nothing_to_void"),
        a.refuse(agency.change_assignment(1), "invalid_request"),
        a.refuse(
            agency.publish_course(COURSE, planned_practice_hours=12), "conflicting_definition"
        ),
    ]


@pytest.fixture(scope="module")
def scenario(service: ServiceProcess, private_kafka) -> Scenario:
    return asyncio.run(drive(private_kafka.bootstrap))


@pytest.fixture(scope="module")
def evaluator(local_issuer: LocalIssuer) -> dict[str, str]:
    """A UMS evaluator's bearer token: the one role the CUIP lookup admits."""
    return local_issuer.bearer("enrolment", Role.UMS_EVALUATOR)


def officer_id(service: ServiceProcess, i: int, evaluator: dict[str, str]) -> str:
    request = urllib.request.Request(
        f"{service.url}/internal/officer-id", headers=evaluator | {"X-CUIP": agency.cuip_of(i)}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return str(json.loads(response.read())["officer_id"])


def test_every_refusal_comes_back_on_the_rejection_topic_with_its_reason(scenario) -> None:
    for ce_id, (ce_type, reason) in scenario.refused.items():
        rejection = scenario.watcher.rejection(ce_id)
        assert rejection is not None
        assert (rejection["reason"], rejection["rejected_event_type"]) == (reason, ce_type)
        assert rejection["message"]
    assert {reason for _, reason in scenario.refused.values()} == EVERY_ENROLMENT_REASON
    answers = scenario.watcher.on("intake.rejections.v1")
    refusals = [r for r in answers if dict(r.headers)["ce_type"].endswith(b".intake.rejected.v1")]
    assert len(refusals) == len(scenario.refused)
    assert len(answers) == len(scenario.refused) + 1  # and the malformed record's notice


def test_completion_facts_follow_the_registers(scenario, service, evaluator) -> None:
    ids = {i: officer_id(service, i, evaluator) for i in (1, 2, 4)}
    outcomes = {
        f["officer_id"]: (action, f["delivered_theory_hours"], f["delivered_practice_hours"],
                          f["attendance_rate"])
        for action in ("enrolment.completed", "enrolment.failed")
        for f in scenario.watcher.facts(action)
    }  # fmt: skip
    assert outcomes == {
        ids[1]: ("enrolment.completed", 5.67, 11.0, 1.0),
        ids[2]: ("enrolment.failed", 4.0, 6.0, 0.8),
        ids[4]: ("enrolment.failed", 4.0, 6.0, 0.6),
    }
    [closed] = scenario.watcher.facts("offering.closed")
    assert (closed["enrolled"], closed["completed"], closed["failed"]) == (3, 1, 2)


def test_the_correction_voids_the_published_fact(scenario, service, evaluator) -> None:
    [voided] = scenario.watcher.facts("record.voided")
    wrong = [
        f
        for f in scenario.watcher.facts("attendance.recorded")
        if f["attendance_id"] == voided["voided_record_id"]
    ]
    assert [(f["session_id"], f["status"]) for f in wrong] == [("S5", "absent")]
    assert voided["officer_id"] == officer_id(service, 2, evaluator)
    ids = [
        dict(r.headers)["ce_id"].decode()
        for r in scenario.watcher.on("enrolment.training.v1")
        if json.loads(r.value).get("attendance_id") == voided["voided_record_id"]
    ]
    assert ids == [voided["voided_event_id"]]


def test_a_malformed_record_is_dead_lettered(scenario) -> None:
    [letter] = scenario.watcher.on(DLQ)
    headers = dict(letter.headers)
    assert headers["dlq.original.topic"] == ENROLMENT_INTAKE.name.encode()
    # Its publisher is told (ADR 0098): no ce_id, so the notice names the record's position.
    [notice] = scenario.watcher.facts("intake.dead_lettered")
    position = int(headers["dlq.original.partition"]), int(headers["dlq.original.offset"])
    assert (notice["original_partition"], notice["original_offset"]) == position
    assert notice["reason"] == headers["dlq.reason"].decode() == "missing_header"
    assert notice["original_event_id"] is None
    assert notice["notice_key"] == f"{ENROLMENT_INTAKE.name}:{position[0]}:{position[1]}"


def test_the_read_api_shows_the_record_and_the_fill_rate(scenario, service, evaluator) -> None:
    # officer 1: officer 2 no longer completes, delivering too few hours (ADR 0076)
    url = f"{service.url}/officers/{officer_id(service, 1, evaluator)}/training"
    record = http_get_json(url, headers=evaluator)
    [entry] = record["enrolments"]
    assert (entry["status"], entry["attendance_rate"]) == ("completed", 1.0)
    assert entry["certificate_id"].startswith("cert_")
    offering = http_get_json(f"{service.url}/offerings/{OFFERING}", headers=evaluator)
    assert (offering["enrolled"], offering["capacity"], offering["fill_rate"]) == (3, 3, 1.0)
    assert offering["status"] == "closed"


def identity() -> list[str]:
    """Every CUIP, CURP and name of the test data, raw and as JSON escapes them."""
    values = [f(i) for i in [*PEOPLE, 99] for f in (agency.cuip_of, agency.curp_of, agency.name_of)]
    return sorted({*values, *(json.dumps(v)[1:-1] for v in values)})


def identity_in(records: list[Any]) -> dict[str, list[str]]:
    """``topic@offset`` of each record carrying identity, in its key, value or headers."""
    found = {}
    for r in records:
        text = b" ".join([r.key or b"", r.value or b"", *(v for _, v in r.headers)])
        if hits := [v for v in identity() if v.encode() in text]:
            found[f"{r.topic}@{r.offset}"] = hits
    return found


def test_no_fact_topic_and_no_log_line_carries_a_cuip_curp_or_name(
    scenario, service, private_kafka
) -> None:
    read = [asyncio.run(agency.read_all(private_kafka.bootstrap, t)) for t in FACT_TOPICS]
    records = [r for topic in read for r in topic]
    assert len(records) >= 40, "the scan must see the scenario's facts"
    assert identity_in(records) == {}
    log = service.log_path.read_text(encoding="utf-8")
    assert [v for v in identity() if v in log] == []


def test_the_scan_finds_identity_where_it_is_allowed(scenario, private_kafka) -> None:
    """The intake topic carries identity by design: the scan must see it there."""
    intake = asyncio.run(agency.read_all(private_kafka.bootstrap, ENROLMENT_INTAKE.name))
    assert len(identity_in(intake)) >= len(PEOPLE)
