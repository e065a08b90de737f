"""The expiry scheduler on a real database, driven by a clock the test moves: alerts at each
window once, the lapse, and what a renewal or a missed window does."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from evaluation.adapters.tables import ExpiryAlertRow

from .harness import (
    D,
    Evaluation,
    battery,
    certify,
    eligible_officer,
    kinds,
    of_kind,
    officer_id,
    performance,
    scheduled,
    statuses,
    trust_control,
)

LAST_DAY = D(2029, 2, 15)  # C3, CB and ED of the example officer, evaluated 2026-02-16
BEFORE = {n: LAST_DAY - dt.timedelta(days=n) for n in (181, 180, 91, 90, 31, 30, 0)}
ALERT = "certification.expiring"


@pytest.fixture
def eligible(evaluation: Evaluation) -> Evaluation:
    evaluation.send(certify(), *eligible_officer(1))
    return evaluation


def alerts(facts) -> list[tuple[str, int]]:
    return sorted((a["component"], a["days_left"]) for a in of_kind(facts, ALERT))


def three(days: int) -> list[tuple[str, int]]:
    return [("C3", days), ("CB", days), ("ED", days)]


def test_alerts_go_out_at_180_90_and_30_days_once_each_then_the_cup_lapses(
    eligible: Evaluation,
) -> None:
    timeline = [
        (BEFORE[181], []),
        (BEFORE[180], three(180)),
        (BEFORE[180], []),  # a second tick the same day
        (BEFORE[91], []),
        (BEFORE[90], three(90)),
        (BEFORE[31], []),
        (BEFORE[30], three(30)),
        (BEFORE[0], []),  # the last day in force
    ]
    for day, expected in timeline:
        facts = eligible.tick(day)
        assert alerts(facts) == expected, day
        assert kinds(facts) == [ALERT] * len(expected), day
    assert eligible.tick() == []

    facts = eligible.tick(LAST_DAY + dt.timedelta(days=1))
    assert statuses(facts) == dict.fromkeys(("C3", "CB", "ED"), "aprobatoria_no_vigente")
    assert {f["source"] for f in of_kind(facts, "cup_component.status_changed")} == {"expiry"}
    [flip] = of_kind(facts, "cup.eligibility_changed")
    assert (flip["eligible"], flip["missing_components"]) == (False, ["C3", "CB", "ED"])
    assert kinds(facts)[-1] == "cup.eligibility_changed"
    assert eligible.tick() == []
    assert eligible.tick(LAST_DAY + dt.timedelta(days=400)) == []


def test_an_alert_carries_the_component_its_last_day_and_the_window(
    eligible: Evaluation,
) -> None:
    facts = eligible.tick(BEFORE[90])
    c3 = next(f for f in facts if f.data["component"] == "C3")
    assert c3.topic == "evaluation.assessment.v1"
    assert c3.key == officer_id(1)
    assert c3.data == {
        "officer_id": officer_id(1),
        "component": "C3",
        "valid_until": "2029-02-15",
        "days_left": 90,
        "alerted_on": "2028-11-17",
    }


@pytest.mark.parametrize(
    ("first_tick", "expected"),
    [
        (BEFORE[180] + dt.timedelta(days=10), 180),
        (BEFORE[90] + dt.timedelta(days=1), 90),
        (LAST_DAY - dt.timedelta(days=25), 30),
        (LAST_DAY, 30),
    ],
)
def test_a_scheduler_that_missed_windows_sends_only_the_one_due(
    eligible: Evaluation, first_tick: dt.date, expected: int
) -> None:
    assert alerts(eligible.tick(first_tick)) == three(expected)
    assert eligible.tick() == []


def test_a_renewal_starts_the_alerts_afresh(eligible: Evaluation) -> None:
    assert alerts(eligible.tick(BEFORE[180])) == three(180)
    eligible.send(trust_control(1, BEFORE[180]))
    assert alerts(eligible.tick(BEFORE[90])) == [("CB", 90), ("ED", 90)]
    renewed_last_day = D(2031, 8, 18)
    assert alerts(eligible.tick(renewed_last_day - dt.timedelta(days=180))) == [("C3", 180)]


def test_a_lapse_with_a_re_evaluation_scheduled_shows_programado_and_flips_back(
    eligible: Evaluation,
) -> None:
    eligible.send(scheduled(1, "desempeno", LAST_DAY + dt.timedelta(days=30)))
    facts = eligible.tick(LAST_DAY + dt.timedelta(days=1))
    assert statuses(facts)["ED"] == "programado"
    assert statuses(facts)["C3"] == "aprobatoria_no_vigente"
    day = eligible.today()
    facts = eligible.send(trust_control(1, day), performance(1, day))
    assert statuses(facts) == {"C3": "aprobatoria_vigente", "ED": "aprobatoria_vigente"}
    assert of_kind(facts, "cup.eligibility_changed") == []  # CB is still lapsed
    eligible.send(certify(valid_from=D(2029, 1, 1), valid_until=D(2031, 12, 31)))
    [cb_renewed] = of_kind(eligible.send(*battery(1, day)), "cup.eligibility_changed")
    assert cb_renewed["eligible"] is True


def test_every_officer_is_alerted_once_across_batches(evaluation: Evaluation) -> None:
    evaluation.send(certify())
    for n in range(1, 6):
        evaluation.send(*eligible_officer(n))
    facts = evaluation.tick(BEFORE[30])
    assert len(of_kind(facts, ALERT)) == 15  # the harness's batch is 2 officers
    assert {a["officer_id"] for a in of_kind(facts, ALERT)} == {officer_id(n) for n in range(1, 6)}
    assert evaluation.tick() == []
    with evaluation.session() as session:
        assert len(list(session.exec(select(ExpiryAlertRow)))) == 15
    lapse = evaluation.tick(LAST_DAY + dt.timedelta(days=1))
    assert len(of_kind(lapse, "cup.eligibility_changed")) == 5
    assert evaluation.last_tick is not None
    assert evaluation.last_tick.lapsed_officers == 5
