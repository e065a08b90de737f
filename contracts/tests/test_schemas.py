from __future__ import annotations

import copy

import pytest

from convenio_contracts import all_event_classes
from convenio_contracts.base import EVENT_TYPE_PATTERN
from convenio_contracts.schemas import (
    breaking_changes,
    generated_schemas,
    incompatibilities,
    stale_files,
    unsnapshotted,
)
from convenio_contracts.topics import all_topics, uncatalogued_event_types


def test_committed_schemas_equal_the_generated_ones() -> None:
    assert stale_files() == []


def test_no_schema_breaks_its_released_snapshot() -> None:
    assert incompatibilities() == []


def test_every_event_type_has_a_snapshot() -> None:
    assert unsnapshotted() == []


def test_every_event_type_follows_the_naming_rule() -> None:
    bad = [t for t in all_event_classes() if not EVENT_TYPE_PATTERN.match(t)]
    assert bad == []


def test_every_event_type_is_carried_by_exactly_one_catalogued_topic() -> None:
    assert uncatalogued_event_types() == set()
    carried = [t for topic in all_topics() for t in topic.event_types]
    assert sorted(carried) == sorted(set(carried))
    assert set(carried) <= set(all_event_classes())


def test_producers_emit_closed_schemas() -> None:
    assert all(s["additionalProperties"] is False for s in generated_schemas().values())


@pytest.fixture
def schema() -> dict:
    return generated_schemas()["mx.convenio.enrolment.officer.registered.v1"]


def test_an_added_optional_field_is_compatible(schema: dict) -> None:
    new = copy.deepcopy(schema)
    new["properties"]["badge_colour"] = {"type": "string"}
    assert breaking_changes(schema, new) == []


def test_an_added_required_field_breaks(schema: dict) -> None:
    new = copy.deepcopy(schema)
    new["properties"]["badge_colour"] = {"type": "string"}
    new["required"].append("badge_colour")
    assert any("required fields changed" in p for p in breaking_changes(schema, new))


def test_a_removed_field_breaks(schema: dict) -> None:
    new = copy.deepcopy(schema)
    del new["properties"]["rank"]
    new["required"].remove("rank")
    problems = breaking_changes(schema, new)
    assert ".rank: field removed" in problems


def test_a_changed_type_or_enum_breaks(schema: dict) -> None:
    new = copy.deepcopy(schema)
    new["properties"]["hire_year"]["type"] = "string"
    new["$defs"]["Sex"]["enum"].append("otro")
    problems = " ".join(breaking_changes(schema, new))
    assert "hire_year: type changed" in problems
    assert "enum changed" in problems


def test_a_changed_description_is_not_a_break(schema: dict) -> None:
    new = copy.deepcopy(schema)
    new["properties"]["rank"]["description"] = "a clearer wording"
    assert breaking_changes(schema, new) == []
