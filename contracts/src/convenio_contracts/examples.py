"""One valid example payload per event type, for the JSON Schemas, the AsyncAPI document and
the integration guide.

Each example is built from its JSON Schema: a field takes the value ``VALUES`` gives its name,
else the first value of its enum, else a value of its type. ``OVERRIDES`` fixes what that rule
cannot know (a status that must differ from the previous one). Every example is validated by
its model when built, and a test decodes each one through the envelope, as a service does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .base import all_event_classes

Schema = dict[str, Any]

OFFICER_ID = "off_4f1c2a9be0d34c7f8a1b2c3d4e5f6a7b"
VALUES: dict[str, Any] = {
    "cuip": "CUIP0000000001",
    "curp": "GOML850101HMCRRS09",
    "full_name": "Luis Gómez Morales",
    "officer_id": OFFICER_ID,
    "corporation": "Policía Municipal de Toluca",
    "rank": "policía",
    "municipality": 15106,
    "hire_year": 2019,
    "course_id": "PP-2026-01",
    "offering_id": "PP-2026-01-T1",
    "session_id": "S01",
    "programme_code": "PNP-FI",
    "version": 1,
    "course_version": 1,
    "title": "Primer respondiente",
    "competencies": ["primer_respondiente"],
    "competency": "primer_respondiente",
    "catalogue_version": "2026",
    "instructors": ["INS-0007"],
    "instructor_id": "INS-0007",
    "evaluator_id": "EVA-0003",
    "target_municipalities": [15106],
    "planned_theory_hours": 40.0,
    "planned_practice_hours": 20.0,
    "delivered_theory_hours": 40.0,
    "delivered_practice_hours": 20.0,
    "attendance_rate": 1.0,
    "capacity": 30,
    "minutes": 240,
    "planned_minutes": 240,
    "starts_on": "2026-03-02",
    "ends_on": "2026-03-27",
    "valid_from": "2026-03-02",
    "valid_until": "2029-03-01",
    "earliest_expiry": "2029-03-01",
    "requested_by": "coordinacion@academia-toluca",
    "reason": "baja voluntaria",
    "message": "officer CUIP0000000001 is not registered",
    "rejected_event_id": "01932f6e-7c4a-7b7e-9a1d-2f3e4d5c6b7a",
    "rejected_event_type": "mx.convenio.enrolment.enrolment.request.v1",
    "notice_key": "01932f6e-7c4a-7b7e-9a1d-2f3e4d5c6b7a",
    "original_topic": "enrolment.intake.v1",
    "original_partition": 2,
    "original_offset": 1187,
    "original_event_id": "01932f6e-7c4a-7b7e-9a1d-2f3e4d5c6b7a",
    "original_event_type": "mx.convenio.enrolment.enrolment.request.v1",
    "original_source": "/agency/academia-toluca",
    "voided_event_id": "01932f6e-7c4a-7b7e-9a1d-2f3e4d5c6b7b",
    "voided_event_type": "mx.convenio.enrolment.attendance.recorded.v1",
    "voided_record_id": "att_0001",
    "enrolment_id": "enr_0001",
    "attendance_id": "att_0001",
    "certificate_id": "cert_0001",
    "instrument_version": "2026.1",
    "knowledge_score": 8.5,
    "score": 85.0,
    "scale_max": 100.0,
    "attempt": 1,
    "relevance": 4,
    "instructor_rating": 5,
    "days_left": 90,
    "finding_id": "FND-2026-0001",
    "scope_ref": "PP-2026-01-T1",
    "category": "attendance",
    "evidence": "Attendance below 80% in 3 sessions",
    "note": "Under review",
    "period": "2026-Q1",
    "indicator": "trained_share",
    "methodology_version": "1",
    "geography": "municipality:15106",
    "cell_key": "trained_share:2026-Q1:municipality:15106",
    "value": 0.42,
    "numerator": 42,
    "denominator": 100,
    "revision": 1,
    "enrolled": 30,
    "completed": 27,
    "failed": 3,
    "source": "mx.convenio.evaluation.competency_result.record.v1",
    "rule": "low_attendance",
}
DAY = "2026-03-02"
INSTANT = "2026-03-02T10:00:00+00:00"

OVERRIDES: dict[str, dict[str, Any]] = {
    **{
        f"mx.convenio.{service}.intake.dead_lettered.v1": {"reason": "contract_violation"}
        for service in ("enrolment", "evaluation", "reporting")
    },
    "mx.convenio.evaluation.cup_component.status_changed.v1": {
        "status": "aprobatoria_vigente",
        "previous_status": "sin_evaluacion",
    },
    "mx.convenio.reporting.finding.status_changed.v1": {
        "status": "acknowledged",
        "previous_status": "open",
    },
    "mx.convenio.evaluation.cup.eligibility_changed.v1": {
        "eligible": False,
        "missing_components": ["C3"],
    },
    "mx.convenio.reporting.indicator.published.v1": {"breakdown": "", "suppressed": False},
    "mx.convenio.enrolment.enrolment.failed.v1": {"attendance_rate": 0.5},
    "mx.convenio.enrolment.officer.change_assignment.v1": {"rank": "suboficial"},
    "mx.convenio.enrolment.officer.assignment_changed.v1": {"rank": "suboficial"},
}


def _resolve(node: Schema, root: Schema) -> Schema:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _value(name: str, node: Schema, root: Schema) -> Any:
    node = _resolve(node, root)
    if "enum" in node:
        return node["enum"][0]
    if name in VALUES:
        return VALUES[name]
    if "anyOf" in node:
        branch = next(b for b in node["anyOf"] if b.get("type") != "null")
        return _value(name, branch, root)
    if "const" in node:
        return node["const"]
    kind = node.get("type")
    if kind == "object":
        return _object(node, root)
    if kind == "array":
        return [_value(name, node.get("items", {}), root)]
    if kind == "boolean":
        return True
    if kind in {"integer", "number"}:
        return node.get("minimum", node.get("exclusiveMinimum", 0) + 1)
    if node.get("format") == "date":
        return DAY
    if node.get("format") == "date-time":
        return INSTANT
    return name


def _object(node: Schema, root: Schema) -> dict[str, Any]:
    return {name: _value(name, prop, root) for name, prop in node.get("properties", {}).items()}


@cache
def examples() -> dict[str, dict[str, Any]]:
    """``{event_type: payload}``: valid (model-checked) example payloads, JSON-ready."""
    out: dict[str, dict[str, Any]] = {}
    for event_type, cls in sorted(all_event_classes().items()):
        schema = cls.model_json_schema(mode="serialization")
        payload = _object(schema, schema) | OVERRIDES.get(event_type, {})
        out[event_type] = cls.model_validate(payload).model_dump(mode="json")
    return out
