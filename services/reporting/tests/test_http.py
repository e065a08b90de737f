"""ONC's API over a real database filled through the pipeline: indicators as JSON and CSV,
their definitions, findings, OpenAPI; and never an identity."""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings

import pytest

from convenio_contracts.enrolment import EnrolmentCreated, OfficerRegistered
from convenio_contracts.reporting import RecordFinding
from reporting.app import build
from reporting.domain.catalogue import INDICATORS
from reporting.settings import ReportingSettings

from .perturbed import published_count

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2; httpx is what we ship
    from fastapi.testclient import TestClient


OFFICERS = [f"off_{i:032x}" for i in range(9)]


@pytest.fixture
def api(protected_feed, database_url):
    feed = protected_feed
    officers = [
        OfficerRegistered(
            officer_id=OFFICERS[i],
            sex="mujer" if i % 3 else "hombre",
            corporation="Policía",
            level="municipal",
            municipality=15106,
            profile="proximidad",
            rank="policía",
            hire_year=2015,
        )
        for i in range(9)
    ]
    enrolments = [
        EnrolmentCreated(
            enrolment_id=f"E{i}",
            officer_id=f"off_{i:032x}",
            offering_id="O1",
            course_id="C1",
            requested_by="academia",
            enrolled_on=dt.date(2026, 1, 10),
        )
        for i in range(9)
    ]
    feed.send(
        *officers,
        *enrolments,
        RecordFinding(
            finding_id="F-1",
            scope="municipality",
            scope_ref="15106",
            category="coverage",
            severity="low",
            title="Only one course reached Toluca",
            evidence="1 course, 9 officers",
        ),
    )
    settings = ReportingSettings(database_url=database_url, kafka={"bootstrap_servers": "x:1"})
    return TestClient(build(settings, configure_process=False))


def test_indicators_are_filtered_by_code_period_geography_and_level(api) -> None:
    cells = api.get(
        "/indicators",
        params={
            "indicator": "training.enrolments",
            "period": "2026-01",
            "geography": "municipality:15106",
        },
    ).json()
    by_breakdown = {c["breakdown"]: c for c in cells}
    assert set(by_breakdown) == {"all", "sex:hombre", "sex:mujer"}
    # Perturbed by the cell-key method (ADR 0070): 9 officers, and 3 men (0, 3, 6).
    assert by_breakdown["all"]["value"] == published_count(OFFICERS, "enrolments")
    men = published_count(OFFICERS[::3], "enrolments")
    assert by_breakdown["sex:hombre"]["value"] == men
    assert by_breakdown["sex:hombre"]["suppressed"] is (men is None)
    assert by_breakdown["sex:hombre"]["value"] not in (1, 2, 3, 4)
    state = api.get(
        "/indicators",
        params={
            "indicator": "training.enrolments",
            "geography": "state:15",
            "level": "municipal",
            "period_type": "quarter",
        },
    ).json()
    assert [c["cell_key"] for c in state] == [
        "training.enrolments:2026-Q1:state:15:level:municipal",
        "training.enrolments:2026-Q1:state:15:level:municipal:sex:hombre",
        "training.enrolments:2026-Q1:state:15:level:municipal:sex:mujer",
    ]


@pytest.mark.parametrize(
    "how", [{"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}]
)
def test_indicators_as_csv(api, how) -> None:
    response = api.get(
        "/indicators",
        **{
            **how,
            "params": {**how.get("params", {}), "indicator": "training.enrolments"},
        },
    )
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_key = {r["cell_key"]: r for r in rows}
    total = published_count(OFFICERS, "enrolments")
    men = published_count(OFFICERS[::3], "enrolments")
    assert by_key["training.enrolments:2026:state:15"]["value"] == str(total)
    hombre = by_key["training.enrolments:2026:state:15:sex:hombre"]
    assert hombre["value"] == ("" if men is None else str(men))
    assert hombre["suppressed"] == str(men is None)
    assert len(rows) == len(
        api.get("/indicators", params={"indicator": "training.enrolments"}).json()
    )


def test_every_indicator_is_defined_once_with_a_methodology_version(api) -> None:
    definitions = api.get("/indicators/definitions").json()
    assert [d["code"] for d in definitions] == [i.code for i in INDICATORS]
    assert len({d["code"] for d in definitions}) == len(definitions)
    assert all(d["definition"] and d["methodology_version"] for d in definitions)


def test_findings_with_their_history(api) -> None:
    [finding] = api.get("/findings", params={"status": "open"}).json()
    assert finding["finding_id"] == "F-1"
    assert finding["origin"] == "onc"
    assert api.get("/findings/F-1").json()["history"] == []
    assert api.get("/findings/F-404").status_code == 404
    assert api.get("/findings", params={"status": "closed"}).json() == []


def test_the_api_is_documented_and_never_serves_an_identity(api) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/indicators", "/indicators/definitions", "/findings", "/health/ready"} <= set(paths)
    for path in ("/indicators", "/indicators?format=csv", "/findings", "/indicators/definitions"):
        body = api.get(path).text
        assert "off_" not in body
        assert "officer_id" not in body


def test_indicators_say_when_the_feed_was_last_up_to_date(api, protected_feed) -> None:
    from reporting.adapters import marks

    before = dt.datetime.now(dt.UTC)
    current = api.get("/indicators").headers["X-Feed-Current-As-Of"]
    assert dt.datetime.fromisoformat(current) >= before, "nothing waits: current now"

    with protected_feed.session() as session, session.begin():
        refreshed = marks.refreshed_at(session)
        marks.add(session, {("enrolment", 2026): {}})
    assert refreshed is not None
    waiting = api.get("/indicators", params={"format": "csv"}).headers["X-Feed-Current-As-Of"]
    assert dt.datetime.fromisoformat(waiting).timestamp() == pytest.approx(refreshed, abs=1e-6)
