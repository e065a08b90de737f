"""The CUP rules of ADR 0075 through the real handlers and scheduler on a real database: each
test was written first and seen to fail."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation.adapters.tables import CupComponentRow

from .harness import (
    EVALUATED,
    D,
    Evaluation,
    battery,
    certify,
    competency,
    completed,
    eligible_officer,
    kinds,
    of_kind,
    officer_id,
    performance,
    reassigned,
    registered,
    trust_control,
)

ELIGIBLE = "cup.eligibility_changed"
STATUS = "cup_component.status_changed"
ALERT = "certification.expiring"
LAST_DAY = D(2029, 2, 15)  # evaluated 2026-02-16: in force to the day before the anniversary


@pytest.fixture
def eligible(evaluation: Evaluation) -> Evaluation:
    evaluation.send(certify(valid_until=D(2030, 12, 31)), *eligible_officer(1))
    return evaluation


def test_an_on_time_renewal_republishes_eligibility_with_its_new_earliest_expiry(
    eligible: Evaluation,
) -> None:
    renewal = LAST_DAY - dt.timedelta(days=100)
    eligible.today.move_to(renewal)
    facts = eligible.send(trust_control(1, renewal), performance(1, renewal))
    assert of_kind(facts, ELIGIBLE) == []  # CB still lapses first: nothing moved
    facts = eligible.send(*battery(1, renewal))
    [moved] = of_kind(facts, ELIGIBLE)
    assert (moved["eligible"], moved["earliest_expiry"]) == (True, "2031-11-06")
    facts = eligible.tick(LAST_DAY + dt.timedelta(days=1))  # the old expiry passes
    assert of_kind(facts, ELIGIBLE) == []
    assert of_kind(facts, STATUS) == []


def test_a_status_change_says_when_it_took_effect(eligible: Evaluation) -> None:
    facts = eligible.tick(LAST_DAY + dt.timedelta(days=30))  # the scheduler noticed late
    lapses = of_kind(facts, STATUS)
    assert {(f["changed_on"], f["effective_on"]) for f in lapses} == {("2029-03-17", "2029-02-16")}


def test_a_result_imported_late_takes_effect_on_its_evaluation_day(
    evaluation: Evaluation,
) -> None:
    evaluation.send(registered(1))
    [c3] = of_kind(evaluation.send(trust_control(1, D(2025, 11, 3))), STATUS)
    assert (c3["changed_on"], c3["effective_on"]) == ("2026-03-01", "2025-11-03")


def test_a_c3_failure_lapses_after_three_years(evaluation: Evaluation) -> None:
    evaluation.send(registered(1))
    [failed] = of_kind(evaluation.send(trust_control(1, EVALUATED, approved=False)), STATUS)
    assert (failed["status"], failed["valid_until"]) == ("vigente_no_aprobatoria", "2029-02-15")
    assert evaluation.tick(LAST_DAY) == []
    [lapsed] = of_kind(evaluation.tick(LAST_DAY + dt.timedelta(days=1)), STATUS)
    assert (lapsed["status"], lapsed["source"]) == ("sin_evaluacion", "expiry")


@pytest.mark.parametrize("status", ["baja", "suspendido"])
def test_an_officer_on_baja_or_suspended_is_not_eligible_nor_alerted(
    eligible: Evaluation, status: str
) -> None:
    facts = eligible.send(reassigned(1, status=status))
    [flip] = of_kind(facts, ELIGIBLE)
    assert flip["eligible"] is False
    assert of_kind(eligible.tick(LAST_DAY - dt.timedelta(days=30)), ALERT) == []
    [back] = of_kind(eligible.send(reassigned(1, status="activo")), ELIGIBLE)
    assert back["eligible"] is True
    assert len(of_kind(eligible.tick(), ALERT)) == 3


def test_attempts_are_numbered_by_evaluation_date_within_the_cycle(
    evaluation: Evaluation,
) -> None:
    evaluation.send(certify(valid_from=D(2020, 1, 1), valid_until=D(2030, 12, 31)), registered(1))
    code = "armamento_y_tiro"
    sent = [
        competency(1, code, D(2023, 1, 10)),  # passed
        competency(1, code, D(2026, 1, 5), practical="no_cumple"),  # the renewal: first attempt
        competency(1, code, D(2025, 12, 1), practical="no_cumple"),  # arrives late: still first
        competency(1, code, D(2026, 2, 10)),  # after two failures in force
    ]
    attempts = [of_kind(evaluation.send(c), "competency.evaluated")[0]["attempt"] for c in sent]
    assert attempts == [1, 1, 1, 3]


def test_a_2012_result_dated_after_the_2020_catalogue_took_effect_is_rejected(
    evaluation: Evaluation,
) -> None:
    evaluation.send(certify(), registered(1))
    [rejected] = evaluation.send(competency(1, "tiro_policial", D(2025, 6, 1), version="2012"))
    assert rejected.kind == "intake.rejected:unknown_catalogue_version"
    assert "2020-01-01" in rejected.data["message"]


@pytest.mark.parametrize(
    ("training_type", "theory", "practice", "gives_fi"),
    [
        ("formacion_inicial", 500, 472, True),  # 972 hours
        ("formacion_inicial", 500, 471, False),
        ("formacion_inicial", 0, 0, False),  # a "completion" with no hours
        ("formacion_inicial_equivalente", 250, 236, True),  # 486 hours
        ("formacion_inicial_equivalente", 250, 235, False),
    ],
)
def test_fi_needs_the_required_hours_delivered(
    evaluation: Evaluation, training_type: str, theory: float, practice: float, gives_fi: bool
) -> None:
    evaluation.send(registered(1))
    fact = completed(1, training_type).model_copy(
        update={"delivered_theory_hours": theory, "delivered_practice_hours": practice}
    )
    facts = evaluation.send(fact)
    assert (STATUS in kinds(facts)) is gives_fi


def test_a_non_approval_published_before_it_had_a_validity_gets_one_at_the_next_tick(
    evaluation: Evaluation,
) -> None:
    evaluation.send(registered(1), trust_control(1, D(2025, 6, 1), approved=False))
    with evaluation.session() as session, session.begin():  # as the old rule published it
        row = session.get(CupComponentRow, (officer_id(1), "C3"))
        assert row is not None
        row.valid_until = None
    [given] = of_kind(evaluation.tick(), STATUS)
    assert (given["status"], given["valid_until"]) == ("vigente_no_aprobatoria", "2028-05-31")
    assert evaluation.tick() == []
