"""An officer's CUP on the real broker, with the evaluation service as its own process: from
enrolment facts and evaluation intake to ``cup.eligibility_changed: eligible``; then the
service's clock is moved and the 180/90/30-day alerts and the lapse follow.

The enrolment facts are published as the enrolment service's outbox publishes them, so this
test is about evaluation alone. The clock is the service's test-only ``EVALUATION_CLOCK_FILE``
(ADR 0042): the test writes a date, the scheduler's next tick reads it. Nothing sleeps: every
wait polls the topics, the metrics or the API.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from convenio_chassis.http_auth import Role
from convenio_chassis.local_issuer import LocalIssuer
from convenio_chassis.process import ServiceProcess, http_get_json
from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics

from .. import agency
from ..polling import eventually

pytestmark = [pytest.mark.connected, pytest.mark.slow]

OFFICER = "off_" + "e" * 32
OTHER = "off_" + "f" * 32  # registered, never evaluated
EVALUATED = "2026-02-16"  # C3, CB and ED all last through 2029-02-15
ASSESSMENT = "evaluation.assessment.v1"
TYPE = "mx.convenio.evaluation.{}.v1".format


def facts(bootstrap: str, topic: str, ce_type: str) -> list[tuple[dict[str, Any], dict]]:
    records = asyncio.run(agency.read_all(bootstrap, topic, idle_ms=500))
    found = []
    for r in records:
        headers = {k: v.decode() for k, v in r.headers}
        if headers.get("ce_type") == ce_type:
            found.append((json.loads(r.value), headers | {"key": r.key.decode()}))
    return found


class Evaluation:
    """The evaluation service as a process, and the file its clock reads."""

    def __init__(self, bootstrap: str, workdir: Path) -> None:
        self.bootstrap = bootstrap
        self.issuer = LocalIssuer(workdir / "auth")
        self.clock_file = workdir / "today"
        self.set_today("2026-03-01")
        self.process = ServiceProcess(
            "evaluation",
            {
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "DATABASE_URL": f"sqlite:///{workdir}/evaluation.db",
                "EVALUATION_CLOCK_FILE": str(self.clock_file),
                "EXPIRY_SCHEDULER_INTERVAL_S": "0.2",
                "LOG_FORMAT": "json",
                **self.issuer.env("evaluation"),
            },
            workdir / "evaluation.log",
        )

    def cup(self, officer_id: str) -> Any:
        """The officer's CUP, as a UMS coordinator reads it."""
        coordinator = self.issuer.bearer("evaluation", Role.UMS_COORDINATOR)
        return http_get_json(f"{self.process.url}/officers/{officer_id}/cup", headers=coordinator)

    def set_today(self, day: str) -> None:
        staged = self.clock_file.with_suffix(".new")
        staged.write_text(day)
        os.replace(staged, self.clock_file)  # the service never reads half a date

    def assessment_facts(self, kind: str) -> list[dict[str, Any]]:
        return [data for data, _ in facts(self.bootstrap, ASSESSMENT, TYPE(kind))]

    def ticks(self) -> float:
        with urllib.request.urlopen(f"{self.process.url}/metrics", timeout=5) as response:
            text = response.read().decode()
        lines = [ln for ln in text.splitlines() if ln.startswith("convenio_expiry_scheduler_ticks")]
        return sum(float(ln.rsplit(" ", 1)[1]) for ln in lines if "_total" in ln)


@pytest.fixture(scope="module")
def evaluation(private_kafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluation]:
    asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=private_kafka.bootstrap)))
    service = Evaluation(private_kafka.bootstrap, Path(tmp_path_factory.mktemp("evaluation")))
    service.process.start().wait_ready()
    try:
        yield service
    finally:
        service.process.stop()


@pytest.fixture(scope="module")
def scenario(evaluation: Evaluation) -> dict[str, str]:
    """One officer evaluated on every component, one result by an uncertified evaluator, and
    course feedback carrying identity a careless client should not have sent, from the
    officer's enrolment in the offering it rates (ADR 0077)."""
    bs = evaluation.bootstrap
    uncertified = agency.record_competency_result(
        OFFICER, "armamento_y_tiro", EVALUATED, evaluator_id="INS-2"
    )
    feedback = agency.submit_course_feedback(
        "UMS-PR-2026-01",
        "INS-7",
        enrolment_id="enr-e-pr",
        officer_id=OFFICER,
        cuip="CUIPTEST00000001",
    )
    asyncio.run(
        agency.send(
            bs,
            agency.certify_instructor("INS-1"),
            agency.certify_instructor("INS-2", ("radiocomunicacion",)),
            # intake may overtake the officer's facts: it is held until they arrive
            agency.import_trust_control_result(OFFICER, EVALUATED, approved=True),
            *(
                agency.record_competency_result(OFFICER, code, EVALUATED)
                for code in agency.COMPETENCIES_2020
            ),
            agency.record_performance_result(OFFICER, EVALUATED),
            uncertified,
        )
    )
    asyncio.run(
        agency.send(
            bs,
            agency.officer_registered(OFFICER),
            agency.officer_registered(OTHER),
            agency.offering_scheduled("UMS-PR-2026-01", ("INS-7",)),
            agency.enrolment_created(OFFICER, "UMS-PR-2026-01", "enr-e-pr"),  # before: same key
            agency.enrolment_completed(OFFICER, "formacion_inicial_equivalente"),
        )
    )
    # feedback once evaluation has taken the facts it is checked against (another topic)
    assert eventually(lambda: evaluation.assessment_facts("cup.eligibility_changed"))
    asyncio.run(agency.send(bs, feedback))
    return {"uncertified": uncertified.ce_id, "feedback": feedback.ce_id}


ELIGIBLE = {
    "officer_id": OFFICER,
    "eligible": True,
    "missing_components": [],
    "earliest_expiry": "2029-02-15",
    "changed_on": "2026-03-01",
}


def test_the_officer_becomes_eligible(evaluation: Evaluation, scenario) -> None:
    """Eligible on 2026-03-01, before anything else: the clock test below may already have
    moved the module's clock on (random order) and added the lapse after it."""
    flips = eventually(lambda: evaluation.assessment_facts("cup.eligibility_changed"))
    assert flips, evaluation.process.log_tail()
    assert flips[0] == ELIGIBLE
    assert all(f["changed_on"] > "2026-03-01" for f in flips[1:])
    other = evaluation.cup(OTHER)
    assert other["missing_components"] == ["FI", "C3", "CB", "ED"]


def test_a_result_by_an_uncertified_evaluator_is_rejected(evaluation: Evaluation, scenario):
    rejections = eventually(
        lambda: facts(evaluation.bootstrap, "intake.rejections.v1", TYPE("intake.rejected"))
    )
    assert [(d["rejected_event_id"], d["reason"]) for d, _ in rejections] == [
        (scenario["uncertified"], "uncertified_evaluator")
    ]
    assert rejections[0][1]["key"] == scenario["uncertified"]


def test_feedback_reaches_its_topic_without_any_identity(evaluation: Evaluation, scenario):
    submitted = eventually(
        lambda: facts(
            evaluation.bootstrap, "evaluation.feedback.v1", TYPE("course_feedback.submitted")
        )
    )
    [(data, headers)] = submitted
    assert data["offering_id"] == "UMS-PR-2026-01"
    assert data["instructor_id"] == "INS-7"
    everything = json.dumps(data) + json.dumps(headers)
    for identity in (OFFICER, "off_", "CUIP", "cuip", "officer", "enr-e-pr", "enrolment"):
        assert identity not in everything


def test_moving_the_clock_sends_each_alert_once_then_the_cup_lapses(
    evaluation: Evaluation, scenario
) -> None:
    assert eventually(lambda: evaluation.assessment_facts("cup.eligibility_changed"))
    # Only this test moves the clock, so here it still reads 2026-03-01: eligible, every
    # component approved and in force.
    assert evaluation.assessment_facts("cup.eligibility_changed") == [ELIGIBLE]
    cup = evaluation.cup(OFFICER)
    assert cup["eligible"] is True
    assert {c["status"] for c in cup["components"]} == {"aprobatoria_vigente"}
    for day, window in (("2028-08-19", 180), ("2028-11-17", 90), ("2029-01-16", 30)):
        evaluation.set_today(day)

        def alerted(window: int = window) -> list[dict[str, Any]]:
            found = evaluation.assessment_facts("certification.expiring")
            return [a for a in found if a["days_left"] == window]

        arrived = eventually(lambda alerted=alerted: len(alerted()) >= 3 and alerted())
        assert arrived, f"no {window}-day alerts:\n{evaluation.process.log_tail()}"
        assert sorted(a["component"] for a in arrived) == ["C3", "CB", "ED"]
        assert {(a["valid_until"], a["alerted_on"]) for a in arrived} == {("2029-02-15", day)}

    evaluation.set_today("2029-02-16")

    def lapsed() -> list[dict[str, Any]]:
        flips = evaluation.assessment_facts("cup.eligibility_changed")
        return [f for f in flips if f["eligible"] is False]

    [lapse] = eventually(lapsed)
    assert lapse["missing_components"] == ["C3", "CB", "ED"]
    assert lapse["changed_on"] == "2029-02-16"
    expired = [
        c
        for c in evaluation.assessment_facts("cup_component.status_changed")
        if c["source"] == "expiry"
    ]
    assert sorted((c["component"], c["status"]) for c in expired) == [
        ("C3", "aprobatoria_no_vigente"),
        ("CB", "aprobatoria_no_vigente"),
        ("ED", "aprobatoria_no_vigente"),
    ]

    # never twice: let the scheduler run more ticks, then count every alert ever published
    seen = evaluation.ticks()
    assert eventually(lambda: evaluation.ticks() >= seen + 3)
    alerts = evaluation.assessment_facts("certification.expiring")
    assert sorted(a["days_left"] for a in alerts) == [30] * 3 + [90] * 3 + [180] * 3
    assert len(evaluation.assessment_facts("cup.eligibility_changed")) == 2
    cup = evaluation.cup(OFFICER)
    assert (cup["as_of"], cup["eligible"]) == ("2029-02-16", False)
