"""Evaluation's handlers through the real chassis pipeline on SQLite and PostgreSQL: results in,
CUP facts, rejections and holds out."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from convenio_contracts.evaluation import CupEligibilityChanged
from evaluation.adapters.tables import CompetencyResultRow, HeldIntakeRow
from evaluation.domain.policy import Policy

from .harness import (
    COMPETENCIES_2012,
    COMPETENCIES_2020,
    D,
    Evaluation,
    Today,
    battery,
    certify,
    competency,
    completed,
    eligible_officer,
    enrolled_in,
    evaluation_on,
    feedback,
    kinds,
    of_kind,
    officer_id,
    performance,
    record,
    registered,
    scheduled,
    scheduled_offering,
    statuses,
    trust_control,
)

ELIGIBLE = "cup.eligibility_changed"
STATUS = "cup_component.status_changed"


def test_an_officer_with_all_four_components_becomes_eligible(evaluation: Evaluation) -> None:
    evaluation.send(certify())
    facts = evaluation.send(*eligible_officer(1))
    assert statuses(facts) == dict.fromkeys(("FI", "C3", "CB", "ED"), "aprobatoria_vigente")
    [change] = of_kind(facts, ELIGIBLE)
    assert change == {
        "officer_id": officer_id(1),
        "eligible": True,
        "missing_components": [],
        "earliest_expiry": "2029-02-15",
        "changed_on": "2026-03-01",
    }
    assert kinds(facts)[-1] == ELIGIBLE
    assert all(f.key == officer_id(1) for f in facts)


@pytest.mark.parametrize(
    ("training_type", "gives_fi"),
    [
        ("formacion_inicial", True),
        ("formacion_inicial_equivalente", True),
        ("actualizacion", False),
        ("especializacion", False),
    ],
)
def test_fi_comes_from_completing_initial_training_or_its_equivalent(
    evaluation: Evaluation, training_type: str, gives_fi: bool
) -> None:
    facts = evaluation.send(registered(1), completed(1, training_type, D(2019, 12, 1)))
    expected = {"FI": "aprobatoria_vigente"} if gives_fi else {}
    assert statuses(facts) == expected
    if gives_fi:
        [fi] = of_kind(facts, STATUS)
        assert (fi["valid_from"], fi["valid_until"]) == ("2019-12-01", None)
        assert fi["source"] == "mx.convenio.enrolment.enrolment.completed.v1"
        assert evaluation.send(completed(1, training_type)) == []  # the same completion again


def test_c3_keeps_only_approved_or_not_and_a_date(evaluation: Evaluation) -> None:
    evaluation.send(registered(1))
    facts = evaluation.send(trust_control(1, D(2026, 2, 1), approved=False))
    assert kinds(facts) == [STATUS]
    assert facts[0].data["status"] == "vigente_no_aprobatoria"
    facts = evaluation.send(trust_control(1, D(2026, 2, 20), approved=True))
    assert facts[0].data | {"changed_on": None} == {
        "officer_id": officer_id(1),
        "component": "C3",
        "status": "aprobatoria_vigente",
        "previous_status": "vigente_no_aprobatoria",
        "valid_from": "2026-02-20",
        "valid_until": "2029-02-19",
        "changed_on": None,
        "effective_on": "2026-02-20",
        "source": "mx.convenio.evaluation.trust_control_result.import.v1",
    }


def test_ed_comes_from_the_desempeno_result(evaluation: Evaluation) -> None:
    evaluation.send(registered(1))
    facts = evaluation.send(performance(1, D(2026, 2, 16), passed=True, score=82))
    assert kinds(facts) == ["assessment.result_recorded", STATUS]
    assert facts[0].data["assessment_type"] == "desempeno"
    assert facts[0].data["score"] == 82
    assert facts[1].data["status"] == "aprobatoria_vigente"
    assert facts[1].data["valid_until"] == "2029-02-15"


def test_cb_is_pending_until_every_competency_of_the_version_passes(
    evaluation: Evaluation,
) -> None:
    evaluation.send(certify(), registered(1))
    first, *rest = battery(1)
    facts = evaluation.send(first)
    assert kinds(facts) == ["competency.evaluated", STATUS]
    assert facts[1].data["status"] == "evaluado_pendiente"
    facts = evaluation.send(*rest)
    assert kinds(facts).count("competency.evaluated") == 6
    assert statuses(facts) == {"CB": "aprobatoria_vigente"}


def test_the_older_catalogue_gives_cb_too(evaluation: Evaluation) -> None:
    evaluation.today.move_to(D(2019, 7, 1))
    evaluation.send(certify(valid_from=D(2019, 1, 1)), registered(1))
    facts = evaluation.send(*battery(1, D(2019, 6, 1), version="2012"))  # before 2020's took effect
    assert statuses(facts) == {"CB": "aprobatoria_vigente"}
    assert len(COMPETENCIES_2012) == len(COMPETENCIES_2020) == 7


def test_a_competency_result_reports_pass_and_attempt(evaluation: Evaluation) -> None:
    evaluation.send(certify(), registered(1))
    code = "armamento_y_tiro"
    first = evaluation.send(competency(1, code, D(2026, 1, 10), score=90, practical="no_cumple"))
    second = evaluation.send(competency(1, code, D(2026, 2, 10), score=69.5))
    third = evaluation.send(competency(1, code, D(2026, 2, 20), score=70))
    results = [of_kind(f, "competency.evaluated")[0] for f in (first, second, third)]
    assert [(r["passed"], r["attempt"]) for r in results] == [(False, 1), (False, 2), (True, 3)]


@pytest.mark.parametrize(("pass_mark", "passed"), [(70, True), (80, False)])
def test_the_pass_mark_is_a_setting(
    database_url: str, today: Today, pass_mark: float, passed: bool
) -> None:
    with evaluation_on(database_url, today, Policy(pass_mark=pass_mark)) as evaluation:
        evaluation.send(certify(), registered(1))
        facts = evaluation.send(competency(1, "armamento_y_tiro", score=75))
        assert of_kind(facts, "competency.evaluated")[0]["passed"] is passed


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (competency(1, "armamento_y_tiro", evaluator="INS-404"), "unknown_instructor"),
        (competency(1, "armamento_y_tiro", evaluator="INS-2"), "uncertified_evaluator"),
        (competency(1, "radiocomunicacion", D(2023, 12, 31)), "uncertified_evaluator"),
        (competency(1, "tiro_policial", version="2020"), "unknown_competency"),
        (competency(1, "armamento_y_tiro", version="1999"), "unknown_catalogue_version"),
        (performance(1, score=101), "invalid_request"),
    ],
)
def test_a_result_that_cannot_count_is_rejected_with_its_reason(
    evaluation: Evaluation, result, reason: str
) -> None:
    evaluation.send(
        registered(1), certify(), certify("INS-2", ("radiocomunicacion",), D(2024, 1, 1))
    )
    facts = evaluation.send(result)
    assert kinds(facts) == [f"intake.rejected:{reason}"]
    assert facts[0].topic == "intake.rejections.v1"
    assert facts[0].ce_type == "mx.convenio.evaluation.intake.rejected.v1"
    with evaluation.session() as session:
        assert session.exec(select(CompetencyResultRow)).first() is None


def test_an_instructor_cannot_be_certified_for_an_uncatalogued_competency(
    evaluation: Evaluation,
) -> None:
    facts = evaluation.send(certify("INS-3", ("armamento_y_tiro", "cocina")))
    assert kinds(facts) == ["intake.rejected:unknown_competency"]


def test_certifying_an_instructor_twice_publishes_once(evaluation: Evaluation) -> None:
    assert kinds(evaluation.send(certify())) == ["instructor.certified"]
    assert evaluation.send(certify()) == []
    later = certify(valid_from=D(2029, 1, 1), valid_until=D(2031, 12, 31))
    assert kinds(evaluation.send(later)) == ["instructor.certified"]


@pytest.mark.parametrize(
    ("resend", "expected"),
    [
        (trust_control(1), []),
        (trust_control(1, approved=False), ["intake.rejected:invalid_request"]),
        (performance(1), []),
        (performance(1, score=40, passed=False), ["intake.rejected:invalid_request"]),
        (competency(1, "armamento_y_tiro"), []),
        (competency(1, "armamento_y_tiro", score=10), ["intake.rejected:invalid_request"]),
    ],
)
def test_a_resent_result_changes_nothing_and_a_conflicting_one_is_rejected(
    evaluation: Evaluation, resend, expected: list[str]
) -> None:
    evaluation.send(certify(), *eligible_officer(1))
    assert kinds(evaluation.send(resend)) == expected


def test_eligibility_flips_both_ways(evaluation: Evaluation) -> None:
    evaluation.send(certify(), *eligible_officer(1))
    facts = evaluation.send(trust_control(1, D(2026, 2, 25), approved=False))
    assert kinds(facts) == [STATUS, ELIGIBLE]
    assert facts[1].data["eligible"] is False
    assert facts[1].data["missing_components"] == ["C3"]
    facts = evaluation.send(trust_control(1, D(2026, 2, 28), approved=True))
    assert of_kind(facts, ELIGIBLE)[0]["eligible"] is True
    assert of_kind(facts, ELIGIBLE)[0]["earliest_expiry"] == "2029-02-15"  # CB and ED


def test_a_late_older_result_does_not_override_a_newer_one(evaluation: Evaluation) -> None:
    evaluation.send(certify(), *eligible_officer(1))
    assert evaluation.send(trust_control(1, D(2025, 1, 5), approved=False)) == []


def test_a_result_that_already_lapsed_reads_as_not_in_force(evaluation: Evaluation) -> None:
    evaluation.send(registered(1))
    facts = evaluation.send(performance(1, D(2022, 5, 1)))
    assert statuses(facts) == {"ED": "aprobatoria_no_vigente"}


def test_a_scheduled_assessment_shows_until_its_result_arrives(evaluation: Evaluation) -> None:
    evaluation.send(registered(1))
    facts = evaluation.send(scheduled(1, "desempeno", D(2026, 4, 1)))
    assert kinds(facts) == ["assessment.scheduled", STATUS]
    assert statuses(facts) == {"ED": "programado"}
    assert evaluation.send(scheduled(1, "desempeno", D(2026, 4, 1))) == []
    facts = evaluation.send(performance(1, D(2026, 3, 25)))
    assert statuses(facts) == {"ED": "aprobatoria_vigente"}
    assert of_kind(facts, STATUS)[0]["previous_status"] == "programado"


def test_a_course_exam_is_scheduled_without_touching_the_cup(evaluation: Evaluation) -> None:
    evaluation.send(registered(1))
    assert kinds(evaluation.send(scheduled(1, "course_exam", D(2026, 4, 1)))) == [
        "assessment.scheduled"
    ]


# --- unknown officers: held, then applied or rejected ---------------------------------------


def test_intake_for_an_unknown_officer_waits_for_the_officer(evaluation: Evaluation) -> None:
    evaluation.send(certify())
    held = [trust_control(1), *battery(1), performance(1)]
    assert evaluation.send(*held) == []
    with evaluation.session() as session:
        assert len(list(session.exec(select(HeldIntakeRow)))) == len(held)
    facts = evaluation.send(registered(1), completed(1))
    assert of_kind(facts, ELIGIBLE)[0]["eligible"] is True
    with evaluation.session() as session:
        assert list(session.exec(select(HeldIntakeRow))) == []


def test_a_held_result_that_cannot_count_is_rejected_when_the_officer_arrives(
    evaluation: Evaluation,
) -> None:
    evaluation.send(certify())
    bad = record(competency(1, "armamento_y_tiro", evaluator="INS-404"))
    assert evaluation.send_records(bad) == []
    facts = evaluation.send(registered(1))
    assert kinds(facts) == ["intake.rejected:unknown_instructor"]
    assert facts[0].data["rejected_event_id"] == dict(bad.headers)["ce_id"].decode()


def test_held_intake_is_rejected_once_its_officer_never_arrives(evaluation: Evaluation) -> None:
    evaluation.send(trust_control(9))
    assert evaluation.tick(D(2026, 3, 8)) == []
    facts = evaluation.tick(D(2026, 3, 9))
    assert kinds(facts) == ["intake.rejected:unknown_officer"]
    assert "7 days" in facts[0].data["message"]
    assert evaluation.tick() == []
    assert evaluation.send(registered(9)) == []  # a rejected command is not applied later


# --- feedback ---------------------------------------------------------------------------------


def test_feedback_names_the_offering_and_instructor_and_never_the_officer(
    evaluation: Evaluation,
) -> None:
    evaluation.send(
        scheduled_offering("UMS-PR-2026-01", ("INS-7",)), enrolled_in(1, "UMS-PR-2026-01")
    )
    smuggled = record(feedback(enrolment="enr-1-formacion_inicial"))
    body = dict(
        json.loads(smuggled.value),
        officer_id=officer_id(1),
        cuip="CUIPTEST00000001",
        full_name="Ana García",
    )
    smuggled.value = json.dumps(body).encode()
    [fact] = evaluation.send_records(smuggled)
    assert fact.topic == "evaluation.feedback.v1"
    assert fact.key == "UMS-PR-2026-01"
    assert set(fact.data) == {
        "offering_id",
        "instructor_id",
        "relevance",
        "theory_practice_balance",
        "instructor_rating",
        "submitted_on",
    }
    everything = repr(fact.data) + repr(fact.headers)
    for identity in (officer_id(1), "CUIP", "García", "off_", "enr-1"):
        assert identity not in everything


def test_the_eligibility_fact_is_a_valid_contract_event(evaluation: Evaluation) -> None:
    evaluation.send(certify())
    facts = evaluation.send(*eligible_officer(1))
    CupEligibilityChanged.model_validate(of_kind(facts, ELIGIBLE)[0])
