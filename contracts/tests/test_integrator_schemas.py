"""The JSON Schemas as an integrator uses them: described, with examples that validate and that
the envelope decodes, a tolerant consumer variant, and ``$id`` equal to ``ce_dataschema``."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import jsonschema
import pytest

from convenio_contracts import all_event_classes, decode, encode, event_class
from convenio_contracts.examples import examples
from convenio_contracts.schemas import (
    DIALECT,
    breaking_changes,
    consumer_schemas,
    generated_schemas,
)

EVENT_TYPES = sorted(all_event_classes())


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    nodes = [schema, *schema.get("$defs", {}).values()]
    return [(name, prop) for node in nodes for name, prop in node.get("properties", {}).items()]


def test_every_field_of_every_schema_has_a_description() -> None:
    undocumented = sorted(
        f"{event_type}.{name}"
        for event_type, schema in generated_schemas().items()
        for name, prop in _properties(schema)
        if not prop.get("description")
    )
    assert undocumented == []


def test_every_schema_names_its_dialect_and_has_an_example() -> None:
    for schema in generated_schemas().values():
        assert schema["$schema"] == DIALECT
        assert len(schema["examples"]) >= 1


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_the_example_validates_against_both_schemas(event_type: str) -> None:
    example = examples()[event_type]
    for schemas in (generated_schemas(), consumer_schemas()):
        validator = jsonschema.Draft202012Validator(
            schemas[event_type], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        assert list(validator.iter_errors(example)) == []


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_the_example_is_accepted_by_the_services_decoder(event_type: str) -> None:
    """Sent as a foreign producer would (its JSON, hand-written headers), it decodes."""
    cls = event_class(event_type)
    assert cls is not None
    example = examples()[event_type]
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"01932f6e-7c4a-7b7e-9a1d-2f3e4d5c6b7a"),
        ("ce_source", b"/agency/academia-toluca"),
        ("ce_type", event_type.encode()),
        ("ce_time", dt.datetime.now(dt.UTC).isoformat().encode()),
        ("content-type", b"application/json"),
    ]
    event = decode(json.dumps(example).encode(), headers)
    assert event.data == cls.model_validate(example)


def test_the_consumer_schema_tolerates_an_added_field_the_producer_schema_refuses() -> None:
    event_type = "mx.convenio.enrolment.attendance.recorded.v1"
    newer = examples()[event_type] | {"badge_colour": "blue"}
    assert jsonschema.Draft202012Validator(consumer_schemas()[event_type]).is_valid(newer)
    assert not jsonschema.Draft202012Validator(generated_schemas()[event_type]).is_valid(newer)


def test_a_nested_object_is_opened_too() -> None:
    schema = consumer_schemas()["mx.convenio.enrolment.offering.schedule.v1"]
    assert schema["$defs"]["PlannedSession"]["additionalProperties"] is True


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_the_schema_id_is_the_dataschema_header_producers_send(event_type: str) -> None:
    cls = all_event_classes()[event_type]
    record = encode(cls.model_validate(examples()[event_type]), source="/convenio/test")
    assert dict(record.headers)["ce_dataschema"].decode() == generated_schemas()[event_type]["$id"]
    assert consumer_schemas()[event_type]["$id"] != generated_schemas()[event_type]["$id"]


@pytest.fixture
def schema() -> dict[str, Any]:
    return generated_schemas()["mx.convenio.enrolment.attendance.record.v1"]


def test_annotations_never_break_compatibility(schema: dict[str, Any]) -> None:
    new = copy.deepcopy(schema)
    new["$schema"] = "https://json-schema.org/draft/2019-09/schema"
    new["$comment"] = "reworded"
    new["examples"] = [{"anything": 1}]
    new["description"] = "another description"
    new["properties"]["minutes"]["description"] = "minutes, reworded"
    new["properties"]["minutes"]["examples"] = [90]
    assert breaking_changes(schema, new) == []


def test_a_changed_constraint_still_breaks(schema: dict[str, Any]) -> None:
    new = copy.deepcopy(schema)
    new["properties"]["minutes"]["description"] = "reworded too"
    new["properties"]["minutes"]["maximum"] = 600
    assert breaking_changes(schema, new) == [".minutes: maximum changed 1440 -> 600"]


def test_a_name_based_uuid5_ce_id_is_accepted_like_a_uuid7() -> None:
    """The publisher CLI's stable ids (ADR 0091) are UUIDv5: the envelope takes any UUID."""
    import uuid

    event_type = "mx.convenio.enrolment.attendance.record.v1"
    ce_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "/agency/a row 1"))
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", ce_id.encode()),
        ("ce_source", b"/agency/a"),
        ("ce_type", event_type.encode()),
        ("ce_time", b"2026-03-02T10:00:00Z"),
    ]
    assert decode(json.dumps(examples()[event_type]).encode(), headers).id == ce_id
