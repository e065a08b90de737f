"""The read-only HTTP API over a store filled through the real pipeline."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from convenio_chassis.http_auth import Role
from convenio_chassis.logs import log_handler
from enrolment.app import build
from enrolment.settings import EnrolmentSettings

IDENTITY = ("CUIP00000000", "GOML85", "Gómez", "Luis")  # every CURP of the fixture starts so
FULL = [("S1", 240), ("S2", 120), ("S3", 300), ("S4", 300), ("S5", 60)]


@pytest.fixture
def api(database, pipeline, cmd, payload, local_issuer):
    """Three officers in OF-1 (capacity 4): one completes, one fails, one withdraws."""
    process = pipeline()
    registered = process(*(cmd.officer(i) for i in range(1, 4)), cmd.course(), cmd.offering(4))
    process(cmd.enrol(1), cmd.enrol(2), cmd.enrol(3))
    process(
        *(cmd.attend(1, s, "present", m) for s, m in FULL),  # every planned minute
        cmd.attend(2, "S1", "present", 240),
        cmd.withdraw(3),
    )
    process(cmd.close())
    # The app is not started: no broker, no relay; its routes read the same database.
    settings = EnrolmentSettings(
        database_url=database[0], http_auth=local_issuer.settings("enrolment")
    )
    app = build(settings, configure_process=False)
    client = TestClient(app, headers=local_issuer.bearer("enrolment", Role.UMS_EVALUATOR))
    client.officer_ids = [payload(r)["officer_id"] for r in registered[:3]]  # type: ignore[attr-defined]
    yield client
    app.state.runtime.engine.dispose()


def test_an_officers_training_record_names_no_person(api) -> None:
    one = api.officer_ids[0]
    response = api.get(f"/officers/{one}/training")
    assert response.status_code == 200
    assert not any(marker in response.text for marker in IDENTITY)
    record = response.json()
    assert (record["officer_id"], record["status"]) == (one, "activo")
    assert (record["level"], record["municipality"]) == ("municipal", 15106)
    [entry] = record["enrolments"]
    assert entry["status"] == "completed"
    assert entry["certificate_id"].startswith("cert_")
    assert (entry["delivered_theory_hours"], entry["delivered_practice_hours"]) == (6.0, 11.0)
    assert (entry["planned_theory_hours"], entry["planned_practice_hours"]) == (6.0, 11.0)
    assert entry["attendance_rate"] == 1.0


def test_an_unknown_or_malformed_officer_id(api) -> None:
    assert api.get(f"/officers/off_{'0' * 32}/training").status_code == 404
    assert api.get("/officers/CUIP0000000001/training").status_code == 422


def test_offerings_with_their_fill_rate(api) -> None:
    [offering] = api.get("/offerings").json()
    assert offering["offering_id"] == "OF-1"
    assert (offering["enrolled"], offering["capacity"], offering["fill_rate"]) == (2, 4, 0.5)
    assert (offering["status"], offering["closed_on"], offering["sessions"]) == (
        "closed",
        "2026-03-21",
        5,
    )
    assert api.get("/offerings/OF-1").json() == offering
    assert api.get("/offerings?course_id=C-2").json() == []
    assert api.get("/offerings/OF-404").status_code == 404


def test_an_enrolments_status(api) -> None:
    entries = api.get(f"/officers/{api.officer_ids[2]}/training").json()["enrolments"]
    enrolment = api.get(f"/enrolments/{entries[0]['enrolment_id']}").json()
    assert enrolment["status"] == "withdrawn"
    assert enrolment["withdrawn_on"] is not None
    assert enrolment["officer_id"] == api.officer_ids[2]
    failed = api.get(f"/officers/{api.officer_ids[1]}/training").json()["enrolments"][0]
    assert (failed["status"], failed["attendance_rate"], failed["certificate_id"]) == (
        "failed",
        0.2,
        None,
    )
    assert api.get("/enrolments/enr_nope").status_code == 404


def test_the_internal_lookup_maps_a_cuip_header_to_its_officer_id(api) -> None:
    response = api.get("/internal/officer-id", headers={"X-CUIP": "CUIP0000000002"})
    assert response.json() == {"officer_id": api.officer_ids[1]}
    assert api.get("/internal/officer-id", headers={"X-CUIP": "CUIP0000000404"}).status_code == 404
    assert api.get("/internal/officer-id", headers={"X-CUIP": "not a cuip"}).status_code == 422
    assert api.get("/internal/officer-id").status_code == 422


@contextmanager
def audit_lines() -> Iterator[list[dict[str, object]]]:
    """The audit records written inside, as the service's JSON log handler formats them."""
    stream, lines = io.StringIO(), []
    handler = log_handler("enrolment", "json", stream)
    logger = logging.getLogger("convenio.audit")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        lines += [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_lookup_is_audited_by_caller_and_pseudonym_never_by_cuip(api, local_issuer) -> None:
    evaluator = local_issuer.bearer("enrolment", Role.UMS_EVALUATOR, subject="evaluador-7")
    with audit_lines() as lines:
        for cuip in ("CUIP0000000002", "CUIP0000000404"):
            api.get("/internal/officer-id", headers=evaluator | {"X-CUIP": cuip})
    assert [(r["audit"], r["caller"], r["outcome"], r.get("officer_id")) for r in lines] == [
        ("officer_id_lookup", "evaluador-7", "found", api.officer_ids[1]),
        ("officer_id_lookup", "evaluador-7", "not_found", None),
    ]
    assert all(r["time"] and r["logger"] == "convenio.audit" for r in lines)
    text = json.dumps(lines)
    assert "CUIP0000000002" not in text
    assert "CUIP0000000404" not in text


def test_lookups_are_rate_limited_per_caller(api, database, local_issuer) -> None:
    settings = EnrolmentSettings(
        database_url=database[0],
        http_auth=local_issuer.settings("enrolment"),
        officer_lookup_rate="3/minute",
    )
    app = build(settings, configure_process=False)
    client = TestClient(app, headers={"X-CUIP": "CUIP0000000002"})
    one = local_issuer.bearer("enrolment", Role.UMS_EVALUATOR, subject="one")
    other = local_issuer.bearer("enrolment", Role.UMS_EVALUATOR, subject="other")
    with audit_lines() as lines:
        assert [client.get("/internal/officer-id", headers=one).status_code for _ in range(3)] == [
            200
        ] * 3
        refused = client.get("/internal/officer-id", headers=one)
        assert client.get("/internal/officer-id", headers=other).status_code == 200
    app.state.runtime.engine.dispose()
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert [(r["caller"], r["outcome"]) for r in lines][3:] == [
        ("one", "rate_limited"),
        ("other", "found"),
    ]


def test_the_api_is_read_only(api) -> None:
    for path in ("/offerings", "/internal/officer-id", f"/officers/{api.officer_ids[0]}/training"):
        assert api.post(path).status_code == 405
