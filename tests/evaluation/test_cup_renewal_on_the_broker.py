"""Issue 16's evaluation stories on the real broker, with the evaluation service as its own
process (ADR 0075, 0076): an officer renewed on time stays eligible through the old expiry,
and a "completion" of initial training with no hours delivered gives no FI.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics

from .. import agency
from ..polling import eventually
from .test_cup_lifecycle import Evaluation

pytestmark = [pytest.mark.connected, pytest.mark.slow]

RENEWED = "off_" + "d" * 32
NO_HOURS = "off_" + "c" * 32
FIRST = "2023-03-10"  # in force through 2026-03-09
RENEWAL = "2026-02-25"  # on time: in force through 2029-02-24


@pytest.fixture(scope="module")
def evaluation(private_kafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluation]:
    asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=private_kafka.bootstrap)))
    service = Evaluation(private_kafka.bootstrap, Path(tmp_path_factory.mktemp("renewal")))
    service.process.start().wait_ready()
    try:
        yield service
    finally:
        service.process.stop()


def evaluated(officer_id: str, on: str) -> list[agency.Command]:
    return [
        agency.import_trust_control_result(officer_id, on, approved=True),
        *(agency.record_competency_result(officer_id, c, on) for c in agency.COMPETENCIES_2020),
        agency.record_performance_result(officer_id, on),
    ]


def zero_hour_completion(officer_id: str) -> agency.Command:
    completed = agency.enrolment_completed(officer_id, "formacion_inicial")
    data = json.loads(completed.value) | {
        "delivered_theory_hours": 0,
        "delivered_practice_hours": 0,
    }
    return agency.command(
        COMPLETED, data, key=officer_id, topic=completed.topic, source=agency.ENROLMENT
    )


COMPLETED = "mx.convenio.enrolment.enrolment.completed.v1"


def handled(evaluation: Evaluation, event_type: str) -> float:
    with urllib.request.urlopen(f"{evaluation.process.url}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("convenio_records_handled_total{") and f'"{event_type}"' in line
    )


def flips(evaluation: Evaluation, officer_id: str) -> list[dict[str, Any]]:
    found = evaluation.assessment_facts("cup.eligibility_changed")
    return [f for f in found if f["officer_id"] == officer_id]


def test_an_officer_renewed_on_time_stays_eligible_through_the_old_expiry(
    evaluation: Evaluation,
) -> None:
    bs = evaluation.bootstrap
    asyncio.run(
        agency.send(
            bs,
            agency.certify_instructor("INS-1", valid_from="2022-01-01", valid_until="2030-12-31"),
            agency.officer_registered(RENEWED),
            agency.enrolment_completed(RENEWED, "formacion_inicial"),
        )
    )
    asyncio.run(agency.send(bs, *evaluated(RENEWED, FIRST)))
    first = eventually(lambda: flips(evaluation, RENEWED))
    assert [(f["eligible"], f["earliest_expiry"]) for f in first] == [(True, "2026-03-09")]

    asyncio.run(agency.send(bs, *evaluated(RENEWED, RENEWAL)))
    moved = eventually(lambda: len(flips(evaluation, RENEWED)) >= 2 and flips(evaluation, RENEWED))
    assert [(f["eligible"], f["earliest_expiry"]) for f in moved] == [
        (True, "2026-03-09"),
        (True, "2029-02-24"),  # republished: its earliest expiry moved
    ]

    evaluation.set_today("2026-03-10")  # the old expiry has passed
    seen = evaluation.ticks()
    assert eventually(lambda: evaluation.ticks() >= seen + 3)
    assert len(flips(evaluation, RENEWED)) == 2
    cup = evaluation.cup(RENEWED)
    assert (cup["as_of"], cup["eligible"], cup["earliest_expiry"]) == (
        "2026-03-10",
        True,
        "2029-02-24",
    )


def test_a_zero_hour_completion_gives_no_fi(evaluation: Evaluation) -> None:
    bs = evaluation.bootstrap
    before = handled(evaluation, COMPLETED)  # the other story's completion, if it ran first
    asyncio.run(
        agency.send(bs, agency.officer_registered(NO_HOURS), zero_hour_completion(NO_HOURS))
    )
    # this completion handled: FI had its chance
    assert eventually(lambda: handled(evaluation, COMPLETED) >= before + 1), before
    changes = evaluation.assessment_facts("cup_component.status_changed")
    assert [c for c in changes if c["officer_id"] == NO_HOURS and c["component"] == "FI"] == []
    cup = evaluation.cup(NO_HOURS)
    fi = next(c for c in cup["components"] if c["component"] == "FI")
    assert fi["status"] == "sin_evaluacion"
