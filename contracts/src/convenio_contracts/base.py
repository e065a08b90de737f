"""The base of every event: a frozen Pydantic model with a typed CloudEvents name and a key.

Producers emit closed schemas (the generated JSON Schema says ``additionalProperties: false``);
consumers read tolerantly (unknown fields from a newer minor version are ignored), so that a
producer can add an optional field without breaking anyone.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

EVENT_TYPE_PATTERN = re.compile(
    r"^mx\.convenio\.(enrolment|evaluation|reporting)\.[a-z_]+\.[a-z_]+\.v[1-9]\d*$"
)


def _close_schema(schema: dict[str, Any]) -> None:
    schema["additionalProperties"] = False


class Event(BaseModel):
    """A fact or a command exchanged on Kafka. Subclasses set ``event_type`` and ``key_field``."""

    model_config = ConfigDict(frozen=True, extra="ignore", json_schema_extra=_close_schema)

    event_type: ClassVar[str]
    key_field: ClassVar[str]
    """The field whose value is the Kafka record key, so per-key order is kept."""

    def partition_key(self) -> str:
        return str(getattr(self, self.key_field))

    def subject(self) -> str:
        """The CloudEvents ``subject``: the entity the event is about."""
        return self.partition_key()


_REGISTRY: dict[str, type[Event]] = {}


def register(cls: type[Event]) -> type[Event]:
    """Class decorator: make an event type known to decoders and to the schema generator."""
    if not EVENT_TYPE_PATTERN.match(cls.event_type):
        raise ValueError(f"event type {cls.event_type!r} breaks the naming rule")
    if cls.event_type in _REGISTRY:
        raise ValueError(f"event type {cls.event_type!r} is registered twice")
    if cls.key_field not in cls.model_fields:
        raise ValueError(f"{cls.__name__}.key_field {cls.key_field!r} is not a field")
    _REGISTRY[cls.event_type] = cls
    return cls


def event_class(event_type: str) -> type[Event] | None:
    return _REGISTRY.get(event_type)


def all_event_classes() -> dict[str, type[Event]]:
    return dict(_REGISTRY)
