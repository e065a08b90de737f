from __future__ import annotations

import json

import pytest

from convenio_contracts import (
    ContractViolation,
    InvalidHeader,
    MalformedPayload,
    MissingHeader,
    UnknownEventType,
    decode,
    encode,
)
from convenio_contracts.enrolment import RegisterOfficer

from .factories import register_officer


def _record(**header_overrides: bytes | None) -> tuple[bytes, list[tuple[str, bytes | None]]]:
    record = encode(
        register_officer(),
        source="/tests",
        trace_headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    )
    headers = dict(record.headers) | header_overrides
    return record.value, [(k, v) for k, v in headers.items() if v is not None]


def test_encode_then_decode_gives_back_the_event_and_its_attributes() -> None:
    value, headers = _record()
    event = decode(value, headers)
    assert event.data == register_officer()
    assert event.type == RegisterOfficer.event_type
    assert event.subject == "CUIP0000000001"
    assert event.trace_headers["traceparent"].startswith("00-0af7")
    assert dict(headers)["ce_id"].decode() == event.id


def test_event_ids_are_uuid_v7() -> None:
    value, headers = _record()
    assert decode(value, headers).id[14] == "7"


@pytest.mark.parametrize(
    ("overrides", "error", "says"),
    [
        ({"ce_id": None}, MissingHeader, "ce_id"),
        ({"ce_type": None, "ce_time": None}, MissingHeader, "ce_type, ce_time"),
        ({"ce_id": b"not-a-uuid"}, InvalidHeader, "ce_id"),
        ({"ce_type": b"\xff\xfe"}, InvalidHeader, "UTF-8"),
        ({"ce_specversion": b"0.3"}, InvalidHeader, "specversion"),
        ({"ce_time": b"yesterday"}, InvalidHeader, "ce_time"),
        ({"ce_time": b"2026-01-01T10:00:00"}, InvalidHeader, "time zone"),
        ({"content-type": b"application/xml"}, InvalidHeader, "content-type"),
        (
            {"ce_type": b"mx.convenio.enrolment.officer.teleported.v1"},
            UnknownEventType,
            "teleported",
        ),
    ],
)
def test_bad_headers_are_named(
    overrides: dict[str, bytes | None], error: type[Exception], says: str
) -> None:
    value, headers = _record(**overrides)
    with pytest.raises(error, match=says):
        decode(value, headers)


def test_garbage_bytes_are_a_malformed_payload() -> None:
    _, headers = _record()
    with pytest.raises(MalformedPayload, match="JSON"):
        decode(b"\x00\x01garbage{", headers)


def test_an_empty_value_is_a_malformed_payload() -> None:
    _, headers = _record()
    with pytest.raises(MalformedPayload, match="empty"):
        decode(b"", headers)


def test_a_value_over_one_mebibyte_is_refused_before_parsing() -> None:
    _, headers = _record()
    with pytest.raises(MalformedPayload, match="exceeds 1 MiB"):
        decode(b" " * (1024 * 1024 + 1), headers)


def test_a_missing_required_field_is_a_contract_violation_naming_it() -> None:
    value, headers = _record()
    body = json.loads(value)
    del body["curp"]
    with pytest.raises(ContractViolation, match="curp: Field required"):
        decode(json.dumps(body).encode(), headers)


def test_a_wrong_type_is_a_contract_violation() -> None:
    value, headers = _record()
    body = json.loads(value) | {"municipality": "Toluca"}
    with pytest.raises(ContractViolation, match="municipality"):
        decode(json.dumps(body).encode(), headers)


def test_consumers_read_tolerantly_and_ignore_unknown_fields() -> None:
    value, headers = _record()
    body = json.loads(value) | {"added_in_a_later_minor": 1}
    assert decode(json.dumps(body).encode(), headers).data == register_officer()


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("municipality", 15126),
        ("municipality", 9001),
        ("curp", "XXXX850101HMCRRS09Z"),
        ("hire_year", 1800),
        ("sex", "otro"),
    ],
)
def test_domain_constraints_are_in_the_contract(field: str, bad: object) -> None:
    with pytest.raises(ValueError, match=field):
        register_officer(**{field: bad})
