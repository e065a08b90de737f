"""The committed AsyncAPI document: generated from the catalogue, and valid by the AsyncAPI
project's own parser (npm ``@asyncapi/parser``, installed by ``make setup``). Neither Node.js
nor the parser missing is a reason to skip: it fails, saying how to install them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from convenio_contracts import asyncapi
from convenio_contracts.acl import Operation, may
from convenio_contracts.topics import CATALOGUE, Principal, Topic, all_topics, topic_for
from convenio_deploy import tools

VALIDATOR = tools.ASYNCAPI_VALIDATOR / "validate.mjs"


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node is not None, "Node.js is missing: apt-get install nodejs npm, then make setup"
    assert tools.asyncapi_parser_installed(), "the AsyncAPI parser is missing: run make setup"
    return subprocess.run(
        [node, str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def _diagnostics(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_the_committed_document_is_the_generated_one() -> None:
    assert not asyncapi.stale(), "run `uv run python -m convenio_contracts.asyncapi generate`"


def test_the_asyncapi_parser_accepts_the_committed_document() -> None:
    result = _validate(asyncapi.DOCUMENT)
    diagnostics = _diagnostics(result)
    errors = [d for d in diagnostics if d.get("severity") == 0]
    assert result.returncode == 0, result.stdout + result.stderr
    assert errors == []
    parsed = next(d for d in diagnostics if d.get("parsed"))
    assert parsed["channels"] == len(all_topics())


def test_the_parser_refuses_a_broken_document(tmp_path: Path) -> None:
    """So the check above can fail: an operation with an action AsyncAPI 3 does not have."""
    doc = asyncapi.document()
    next(iter(doc["operations"].values()))["action"] = "publish"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    result = _validate(broken)
    assert result.returncode == 1
    assert any(d.get("severity") == 0 for d in _diagnostics(result))


def test_a_catalogue_change_makes_the_committed_document_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extra = Topic(
        name="academy-toluca.intake.v1",
        partitions=1,
        key="cuip",
        owner=Principal.SVC_ENROLMENT,
        readers=(Principal.SVC_ENROLMENT,),
        event_types=(),
    )
    monkeypatch.setattr(asyncapi, "all_topics", lambda: (*all_topics(), extra))
    assert "academy-toluca.intake.v1" in asyncapi.document()["channels"]
    assert asyncapi.stale()


def test_each_event_type_is_a_message_of_its_catalogue_channel() -> None:
    doc = asyncapi.document()
    for topic in CATALOGUE:
        for event_type in topic.event_types:
            channel = doc["channels"][topic_for(event_type).name]
            assert event_type in channel["messages"]
            message = doc["components"]["messages"][event_type]
            assert message["headers"]["properties"]["ce_type"]["const"] == event_type


def test_operations_are_exactly_what_the_acls_allow() -> None:
    doc = asyncapi.document()
    declared = {
        (op["x-principal"], op["action"], op["channel"]["$ref"].rsplit("/", 1)[-1])
        for op in doc["operations"].values()
    }
    allowed = {
        (str(p), action, t.name)
        for t in all_topics()
        for p in Principal
        for action, operation in (("send", Operation.WRITE), ("receive", Operation.READ))
        if may(p, operation, t.name)
    }
    assert declared == allowed
    assert (
        str(Principal.AGENCY_PUBLISHER),
        "send",
        topic_for("mx.convenio.enrolment.attendance.record.v1").name,
    ) in declared
