"""Neither party can write as the other, on the real authenticated broker with reporting running
as its own principal: findings are ONC's, on a channel only ONC's analysts may write; responses
are UMS's, on a channel only UMS's responder may write. Each forged act is refused (by the broker
or with a rejection) and the findings are unchanged afterwards."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import TopicAuthorizationFailedError

from convenio_chassis.process import http_get_json
from convenio_contracts.topics import Principal, topic_for
from secure_kafka import SecureKafka

from .. import agency
from ..polling import eventually
from ..stack import Stack, running_stack

pytestmark = [pytest.mark.connected, pytest.mark.slow]

P = Principal
RECORD = "mx.convenio.reporting.finding.record.v1"
CHANGE = "mx.convenio.reporting.finding.change_status.v1"
RESPOND = "mx.convenio.reporting.finding.respond.v1"


@pytest.fixture(scope="module")
def reporting(
    secure_kafka: SecureKafka, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with running_stack(
        secure_kafka.bootstrap,
        Path(tmp_path_factory.mktemp("findings-stack")),
        ("reporting",),
        admin=secure_kafka.settings("admin"),
        service_env={"reporting": secure_kafka.service_env(P.SVC_REPORTING)},
    ) as running:
        yield running


def finding(finding_id: str) -> dict[str, Any]:
    return {
        "finding_id": finding_id,
        "scope": "municipality",
        "scope_ref": "15058",
        "category": "municipal_coverage",
        "severity": "high",
        "title": "Nezahualcóyotl's police absent from the cascade",
        "evidence": "No enrolment from 15058 in 2026-Q1 (training.enrolments).",
    }


def command(ce_type: str, data: dict[str, Any], source: str) -> agency.Command:
    """A command on the channel the catalogue gives its type, whoever sends it."""
    return agency.command(ce_type, data, data["finding_id"], topic_for(ce_type).name, source)


def send_as(kafka: SecureKafka, principal: Principal, *commands: agency.Command) -> None:
    asyncio.run(agency.send(kafka.bootstrap, *commands, auth=kafka.client_options(principal)))


def findings(stack: Stack) -> dict[str, dict[str, Any]]:
    return {f["finding_id"]: f for f in http_get_json(f"{stack['reporting'].url}/findings")}


def rejections_of(kafka: SecureKafka, principal: Principal) -> dict[str, dict[str, Any]]:
    """The refusals ``principal`` can read, by the refused command's ``ce_id``."""
    records = asyncio.run(
        agency.read_all(
            kafka.bootstrap,
            "intake.rejections.v1",
            idle_ms=1000,
            auth=kafka.client_options(principal),
        )
    )
    return {(body := json.loads(r.value))["rejected_event_id"]: body for r in records}


@pytest.fixture(scope="module")
def onc_finding(reporting: Stack, secure_kafka: SecureKafka) -> dict[str, Any]:
    """One finding ONC recorded, the thing the forgeries below try to change or imitate."""
    send_as(secure_kafka, P.ONC_ANALYST, command(RECORD, finding("F-ONC-7"), "/onc/analistas"))
    recorded = eventually(lambda: findings(reporting).get("F-ONC-7"))
    assert recorded, "ONC's own finding was never recorded"
    assert recorded["origin"] == "onc"
    return recorded


@pytest.mark.parametrize("principal", [P.UMS_RESPONDER, P.AGENCY_PUBLISHER, P.EVALUATOR])
def test_no_one_but_onc_can_write_a_finding(
    principal: Principal, reporting: Stack, secure_kafka: SecureKafka, onc_finding: dict[str, Any]
) -> None:
    before = findings(reporting)
    forged = command(RECORD, finding(f"F-FORGED-{principal}"), "/onc/analistas")
    with pytest.raises(TopicAuthorizationFailedError):
        send_as(secure_kafka, principal, forged)
    assert findings(reporting) == before
    assert set(before) == {"F-ONC-7"}


def test_onc_cannot_write_a_ums_response(
    reporting: Stack, secure_kafka: SecureKafka, onc_finding: dict[str, Any]
) -> None:
    before = findings(reporting)
    forged = command(RESPOND, {"finding_id": "F-ONC-7", "status": "in_progress"}, "/ums")
    with pytest.raises(TopicAuthorizationFailedError):
        send_as(secure_kafka, P.ONC_ANALYST, forged)
    assert findings(reporting) == before


def test_a_status_change_on_onc_s_channel_claiming_to_be_ums_is_refused(
    reporting: Stack, secure_kafka: SecureKafka, onc_finding: dict[str, Any]
) -> None:
    before = findings(reporting)
    status = before["F-ONC-7"]["status"]  # a response, which the lifecycle would allow
    claim = {"finding_id": "F-ONC-7", "status": status, "actor": "ums", "note": "ok"}
    forged = command(CHANGE, claim, "/agency/ums-enlace-onc")
    send_as(secure_kafka, P.ONC_ANALYST, forged)
    refusal = eventually(lambda: rejections_of(secure_kafka, P.ONC_ANALYST).get(forged.ce_id))
    assert refusal, "the forged status change was never answered"
    assert refusal["reason"] == "invalid_request"
    assert "speaks for ONC" in refusal["message"]
    assert findings(reporting) == before


def test_ums_responds_on_its_own_channel_and_is_recorded_as_ums(
    reporting: Stack, secure_kafka: SecureKafka, onc_finding: dict[str, Any]
) -> None:
    """A response keeps the status and says something: allowed at any open step."""
    before = findings(reporting)["F-ONC-7"]
    answer = {"finding_id": "F-ONC-7", "status": before["status"], "note": "sí, en curso"}
    send_as(secure_kafka, P.UMS_RESPONDER, command(RESPOND, answer, "/ums"))
    moved = eventually(
        lambda: len((f := findings(reporting)["F-ONC-7"])["history"]) > len(before["history"]) and f
    )
    assert moved, "UMS's response was never applied"
    assert moved["history"][-1]["actor"] == "ums", moved
    assert moved["history"][-1]["note"] == "sí, en curso"
