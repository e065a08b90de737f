"""The end-to-end scenario, as its producers would publish it: four municipalities, two
courses and offerings, attendance, outcomes, evaluations, CUP statuses, instructors, feedback,
and a late correction. Expected figures are worked out by hand in test_onc_feed.py.

    Toluca 15106     T0-T7  municipal, T0-T4 mujer, T5-T7 hombre   course C-PR (offering O-PR)
    Metepec 15054    M0-M5  M0-M3 municipal, M4-M5 estatal;
                            M0, M1, M4 mujer                        course C-DH (offering O-DH)
    Ecatepec 15033   E0-E1  municipal, E0 mujer, E1 hombre          course C-PR
    Neza 15058       N0-N4  municipal, hombre                       no training at all
"""

from __future__ import annotations

from typing import Any

from convenio_contracts.topics import topic_for

from ..agency import Command, command, fact

MUNICIPALITIES = {"T": 15106, "M": 15054, "E": 15033, "N": 15058}
SIZES = {"T": 8, "M": 6, "E": 2, "N": 5}
ENROLLED = [f"T{i}" for i in range(7)] + ["E0", "E1"] + [f"M{i}" for i in range(6)]
"""Enrolled (and trained) in stage B; T7's enrolment arrives late, in stage D."""
SOURCE = "/onc/analysts"


def officer_id(name: str) -> str:
    return f"off_{ord(name[0]):02x}{int(name[1:]):030x}"


def _sex(name: str) -> str:
    i = int(name[1:])
    return {
        "T": "mujer" if i < 5 else "hombre",
        "M": "mujer" if i in (0, 1, 4) else "hombre",
        "E": "mujer" if i == 0 else "hombre",
        "N": "hombre",
    }[name[0]]


def _level(name: str) -> str:
    return "estatal" if name in ("M4", "M5") else "municipal"


def names() -> list[str]:
    return [f"{m}{i}" for m, n in SIZES.items() for i in range(n)]


def _f(ce_type: str, **data: Any) -> Command:
    return fact(f"mx.convenio.{ce_type}", data)


def definitions() -> list[Command]:
    officers = [
        _f(
            "enrolment.officer.registered.v1",
            officer_id=officer_id(n),
            sex=_sex(n),
            corporation="Policía",
            level=_level(n),
            municipality=MUNICIPALITIES[n[0]],
            profile="proximidad",
            rank="policía",
            hire_year=2016,
        )
        for n in names()
    ]
    courses = [
        _f(
            "enrolment.course.published.v1",
            course_id=c,
            version=1,
            title=t,
            training_type=tt,
            programme_code="PRP-2026",
            planned_theory_hours=th,
            planned_practice_hours=pr,
            competencies=["armamento_y_tiro"],
        )
        for c, t, tt, th, pr in (
            ("C-PR", "Primer respondiente", "actualizacion", 10, 30),
            ("C-DH", "Derechos humanos", "especializacion", 20, 20),
        )
    ]
    offerings = [
        _f(
            "enrolment.offering.scheduled.v1",
            offering_id=o,
            course_id=c,
            course_version=1,
            campus="toluca",
            starts_on="2026-03-02",
            ends_on="2026-03-25",
            capacity=30,
            instructors=ins,
            target_municipalities=[15106],
            sessions=[],
        )
        for o, c, ins in (("O-PR", "C-PR", ["I1", "I2", "I3"]), ("O-DH", "C-DH", ["I4", "I5"]))
    ]
    instructors = [
        _f(
            "evaluation.instructor.certified.v1",
            instructor_id=f"I{i}",
            competencies=["armamento_y_tiro"],
            valid_from="2025-12-01",
            valid_until="2028-11-30",
        )
        for i in range(1, 7)
    ]
    return officers + courses + offerings + instructors


def _offering(name: str) -> tuple[str, str]:
    return ("O-DH", "C-DH") if name[0] == "M" else ("O-PR", "C-PR")


def enrolment(name: str) -> Command:
    offering, course = _offering(name)
    day = "2026-01-20" if name[0] == "M" else "2026-01-12"
    return _f(
        "enrolment.enrolment.created.v1",
        enrolment_id=f"EN-{name}",
        officer_id=officer_id(name),
        offering_id=offering,
        course_id=course,
        requested_by="academia",
        enrolled_on=day,
    )


def attendance(name: str, session: str, status: str, minutes: int, suffix: str = "") -> Command:
    offering, _ = _offering(name)
    kind, day, planned = {
        "S1": ("teoria", "2026-03-02", 240),
        "S2": ("practica", "2026-03-09", 240),
        "S3": ("teoria", "2026-03-03", 300),
    }[session]
    return _f(
        "enrolment.attendance.recorded.v1",
        attendance_id=f"AT-{name}-{session}{suffix}",
        enrolment_id=f"EN-{name}",
        officer_id=officer_id(name),
        offering_id=offering,
        session_id=session,
        session_type=kind,
        session_date=day,
        planned_minutes=planned,
        status=status,
        minutes=minutes,
    )


def training() -> list[Command]:
    out = [enrolment(n) for n in ENROLLED]
    for n in ENROLLED:
        if n[0] == "M":
            out.append(attendance(n, "S3", "present", 300))
        else:
            absent = n == "T1"  # corrected in stage D
            out.append(attendance(n, "S1", "absent" if absent else "present", 0 if absent else 240))
            out.append(attendance(n, "S2", "present", 240))
    for n in ENROLLED:
        offering, course = _offering(n)
        failed = n == "T6"
        planned, delivered = ((20, 20), (20, 20)) if n[0] == "M" else ((10, 30), (16, 24))
        kind = "failed" if failed else "completed"
        extra = {"reason": "knowledge exam"} if failed else {"certificate_id": f"CERT-{n}"}
        out.append(
            _f(
                f"enrolment.enrolment.{kind}.v1",
                enrolment_id=f"EN-{n}",
                officer_id=officer_id(n),
                offering_id=offering,
                course_id=course,
                course_version=1,
                training_type="especializacion" if n[0] == "M" else "actualizacion",
                planned_theory_hours=planned[0],
                planned_practice_hours=planned[1],
                delivered_theory_hours=delivered[0],
                delivered_practice_hours=delivered[1],
                attendance_rate=1.0,
                decided_on="2026-03-25" if n[0] == "M" else "2026-03-20",
                **extra,
            )
        )
    return out


FIRST_PASS = {"T0", "T1", "T2", "T3", "M0", "M1", "M2", "M3"}
SECOND_PASS = {"T4", "T5", "E0", "M4", "M5"}


def _evaluated(name: str, attempt: int, passed: bool, day: str) -> Command:
    return _f(
        "evaluation.competency.evaluated.v1",
        officer_id=officer_id(name),
        catalogue_version="2020",
        competency="armamento_y_tiro",
        knowledge_score=85 if passed else 55,
        practical_result="cumple" if passed else "no_cumple",
        passed=passed,
        attempt=attempt,
        evaluator_id="I1",
        evaluated_on=day,
    )


def evaluation() -> list[Command]:
    out = [_evaluated(n, 1, n in FIRST_PASS, "2026-02-16") for n in ENROLLED]
    out += [
        _evaluated(n, 2, n in SECOND_PASS, "2026-03-16") for n in ENROLLED if n not in FIRST_PASS
    ]
    desempeno = [f"T{i}" for i in range(6)] + [f"M{i}" for i in range(6)]
    out += [
        _f(
            "evaluation.assessment.result_recorded.v1",
            officer_id=officer_id(n),
            assessment_type="desempeno",
            score=60 if n in ("T5", "M4", "M5") else 85,
            scale_max=100,
            passed=n not in ("T5", "M4", "M5"),
            instrument_version="ED-2026",
            evaluated_on="2026-03-10",
        )
        for n in desempeno
    ]
    out += [
        _f(
            "evaluation.cup_component.status_changed.v1",
            officer_id=officer_id(n),
            component="FI",
            status="aprobatoria_vigente",
            previous_status="sin_evaluacion",
            valid_from="2025-12-15",
            valid_until=None,
            changed_on="2025-12-15",
            source="enrolment.completed",
        )
        for n in names()
    ]
    out += [
        _f(
            "evaluation.cup_component.status_changed.v1",
            officer_id=officer_id(n),
            component="C3",
            status="aprobatoria_vigente",
            previous_status="sin_evaluacion",
            valid_from="2023-06-01",
            valid_until="2026-05-31",
            changed_on="2023-06-01",
            source="trust_control_result.import",
        )
        for n in names()
        if n[0] == "T"
    ]
    ratings = [
        (4, "too_theoretical", 5),
        (4, "too_theoretical", 4),
        (5, "balanced", 4),
        (3, "too_theoretical", 4),
        (4, "balanced", 5),
        (4, "too_theoretical", 4),
    ]
    out += [
        _f(
            "evaluation.course_feedback.submitted.v1",
            offering_id="O-PR",
            instructor_id="I1",
            relevance=r,
            theory_practice_balance=b,
            instructor_rating=i,
            submitted_on="2026-03-21",
        )
        for r, b, i in ratings
    ]
    out += [
        _f(
            "evaluation.course_feedback.submitted.v1",
            offering_id="O-DH",
            instructor_id="I4",
            relevance=5,
            theory_practice_balance="balanced",
            instructor_rating=4,
            submitted_on="2026-03-26",
        )
        for _ in range(5)
    ]
    return out


def analysts() -> list[Command]:
    record = {
        "finding_id": "F-ONC-1",
        "scope": "municipality",
        "scope_ref": "15058",
        "category": "municipal_coverage",
        "severity": "high",
        "title": "Nezahualcóyotl's police absent from the 2026 cascade",
        "evidence": "No enrolment from 15058 in 2026-Q1 (training.enrolments).",
        "period": "2026-Q1",
    }
    return [_intake("mx.convenio.reporting.finding.record.v1", record)]


def ums_responses() -> list[Command]:
    """UMS's answer to ONC's finding, on UMS's own channel."""
    ack = {
        "finding_id": "F-ONC-1",
        "status": "acknowledged",
        "note": "Neza's academy joins the Q2 offering.",
    }
    return [_intake("mx.convenio.reporting.finding.respond.v1", ack)]


def _intake(ce_type: str, data: dict[str, Any]) -> Command:
    """ONC's commands on ONC's channel, UMS's responses on UMS's (the catalogue says which)."""
    c = command(ce_type, data, key=data["finding_id"], topic=topic_for(ce_type).name)
    headers = [(k, SOURCE.encode() if k == "ce_source" else v) for k, v in c.headers]
    return Command(c.topic, c.key, c.value, headers)


def invalid_close() -> Command:
    """UMS may not close a finding: only ONC does."""
    return _intake(
        "mx.convenio.reporting.finding.respond.v1",
        {"finding_id": "F-ONC-1", "status": "closed", "note": ""},
    )


def horizon() -> list[Command]:
    """A fact dated 1 May: 30 days past 2026-Q1, so the rules judge the quarter."""
    return [
        _f(
            "evaluation.certification.expiring.v1",
            officer_id=officer_id("T0"),
            component="C3",
            valid_until="2026-05-31",
            days_left=30,
            alerted_on="2026-05-01",
        )
    ]


def late_correction(voided_event_id: str) -> list[Command]:
    """T7's January enrolment arrives late; T1's absence at S1 is voided and re-recorded."""
    return [
        enrolment("T7"),
        _f(
            "enrolment.record.voided.v1",
            officer_id=officer_id("T1"),
            voided_event_id=voided_event_id,
            voided_event_type="mx.convenio.enrolment.attendance.recorded.v1",
            voided_record_id="AT-T1-S1",
            reason="recorded against the wrong list",
        ),
        attendance("T1", "S1", "present", 240, suffix="-fix"),
    ]
