"""The AsyncAPI 3.0 document of every topic, generated from the topic catalogue and contracts.

Channels are the catalogue's topics (dead-letter ones included), messages its event types with
their CloudEvents headers, key and example, payloads the committed JSON Schemas, and one
``send``/``receive`` operation per principal the catalogue lets write/read the topic (the same
rules ``acl.py`` turns into Kafka ACLs). Nothing here names a topic: a catalogue change changes
the document, and ``check`` (run by the tests) fails until it is regenerated.

    python -m convenio_contracts.asyncapi generate   # writes docs/asyncapi/convenio.json
    python -m convenio_contracts.asyncapi check      # exit 1 when the committed one differs
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

from . import __name__ as _package
from .acl import Operation, may
from .base import all_event_classes
from .envelope import CONTENT_TYPE, SPEC_VERSION, dataschema
from .examples import examples
from .schemas import generated_schemas
from .topics import Principal, Topic, all_topics

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "asyncapi" / "convenio.json"
VERSION = "1.0.0"
KAFKA_BINDING = "0.5.0"

Node = dict[str, Any]


def _ref(*parts: str) -> Node:
    return {"$ref": "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)}


def _headers(event_type: str) -> Node:
    """The CloudEvents 1.0 Kafka binary-mode headers of one event type."""
    return {
        "type": "object",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"],
        "properties": {
            "ce_specversion": {"type": "string", "const": SPEC_VERSION},
            "ce_id": {
                "type": "string",
                "format": "uuid",
                "description": "Unique per event and the idempotency key: a record whose ce_id "
                "was already accepted is ignored. UUIDv7 from Convenio's producers; any UUID "
                "from an agency (e.g. a UUIDv5 of the row, so a re-sent file repeats its ids).",
            },
            "ce_source": {
                "type": "string",
                "description": "URI-reference of the sender, e.g. /agency/<academy>.",
            },
            "ce_type": {"type": "string", "const": event_type},
            "ce_time": {
                "type": "string",
                "format": "date-time",
                "description": "RFC 3339 instant with a time zone.",
            },
            "ce_subject": {"type": "string", "description": "The entity: the record key."},
            "ce_dataschema": {"type": "string", "format": "uri", "const": dataschema(event_type)},
            "content-type": {"type": "string", "const": CONTENT_TYPE},
            "traceparent": {"type": "string", "description": "W3C trace context (optional)."},
        },
    }


def _rewrite(node: Any) -> Any:
    """Point ``#/$defs/X`` references at ``#/components/schemas/X``."""
    if isinstance(node, dict):
        return {
            k: _ref("components", "schemas", v.rsplit("/", 1)[-1])["$ref"]
            if k == "$ref"
            else _rewrite(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _inline(schema: Node, defs: dict[str, Node]) -> Node:
    """A JSON Schema with its ``$defs`` moved to components, its refs pointing there."""
    body = copy.deepcopy(schema)
    for name, definition in body.pop("$defs", {}).items():
        moved = _rewrite(definition)
        if defs.setdefault(name, moved) != moved:
            raise ValueError(f"two contracts define {name!r} differently")
    for key in ("$schema", "$id"):
        body.pop(key, None)
    rewritten: Node = _rewrite(body)
    return rewritten


def _message(event_type: str, topic: Topic) -> Node:
    cls = all_event_classes()[event_type]
    doc = (cls.__doc__ or "").strip()
    example = examples()[event_type]
    return {
        "name": event_type,
        "title": cls.__name__,
        "summary": doc.splitlines()[0] if doc else event_type,
        "contentType": CONTENT_TYPE,
        "headers": _headers(event_type),
        "payload": _ref("components", "schemas", event_type),
        "correlationId": {"location": "$message.header#/ce_id"},
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": f"The payload's {cls.key_field} (topic key: {topic.key}).",
                },
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "examples": [
            {
                "name": "example",
                "headers": {
                    "ce_specversion": SPEC_VERSION,
                    "ce_id": "01932f6e-7c4a-7b7e-9a1d-2f3e4d5c6b7a",
                    "ce_source": "/agency/academia-toluca",
                    "ce_type": event_type,
                    "ce_time": "2026-03-02T10:00:00+00:00",
                    "content-type": CONTENT_TYPE,
                },
                "payload": example,
            }
        ],
        "x-key-field": cls.key_field,
    }


def _dead_letter_message() -> Node:
    return {
        "name": "dead-letter",
        "title": "DeadLetter",
        "summary": "A record the consumer could not accept, unchanged, with dlq.* headers.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "properties": {
                f"dlq.{name}": {"type": "string", "description": text}
                for name, text in (
                    ("reason", "Stable reason code (docs/integration.md)."),
                    ("error", "What was wrong, for a human."),
                    ("exception", "The exception's class."),
                    ("original.topic", "Topic the record was read from."),
                    ("original.partition", "Its partition."),
                    ("original.offset", "Its offset."),
                    ("consumer.group", "The consumer group that gave up on it."),
                    ("failed_at", "When (RFC 3339)."),
                )
            },
        },
        "payload": {"description": "The original record's value, byte for byte."},
    }


def _topic_bindings(topic: Topic) -> Node:
    config: Node = {
        "cleanup.policy": ["compact" if topic.compacted else "delete"],
        "retention.ms": topic.retention_ms,
    }
    if "max.message.bytes" in topic.config:
        config["max.message.bytes"] = int(topic.config["max.message.bytes"])
    return {
        "kafka": {
            "topic": topic.name,
            "partitions": topic.partitions,
            "topicConfiguration": config,
            "bindingVersion": KAFKA_BINDING,
        }
    }


def document() -> Node:
    """The whole AsyncAPI 3.0 document, as a JSON-ready dict."""
    schemas = generated_schemas()
    defs: dict[str, Node] = {}
    payloads = {t: _inline(schemas[t], defs) for t in sorted(schemas)}
    messages: dict[str, Node] = {"dead-letter": _dead_letter_message()}
    channels: dict[str, Node] = {}
    operations: dict[str, Node] = {}
    for topic in all_topics():
        names = list(topic.event_types) or ["dead-letter"]
        for event_type in topic.event_types:
            messages[event_type] = _message(event_type, topic)
        writers = [p for p in Principal if may(p, Operation.WRITE, topic.name)]
        readers = [p for p in Principal if may(p, Operation.READ, topic.name)]
        channels[topic.name] = {
            "address": topic.name,
            "title": topic.name,
            "description": (topic.description or topic.name)
            + f" Key: {topic.key}. Owner: {topic.owner}.",
            "messages": {n: _ref("components", "messages", n) for n in names},
            "bindings": _topic_bindings(topic),
            "x-key": topic.key,
            "x-owner": str(topic.owner),
            "x-writers": [str(p) for p in writers],
            "x-readers": [str(p) for p in readers],
        }
        for action, principals in (("send", writers), ("receive", readers)):
            for principal in principals:
                operations[f"{principal}.{action}.{topic.name}"] = {
                    "action": action,
                    "title": f"{principal} {action}s on {topic.name}",
                    "summary": f"Allowed by the catalogue's ACLs to User:{principal}.",
                    "channel": _ref("channels", topic.name),
                    "messages": [_ref("channels", topic.name, "messages", n) for n in names],
                    "security": [_ref("components", "securitySchemes", "scram")],
                    "x-principal": str(principal),
                }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:mx:convenio",
        "info": {
            "title": "Convenio events",
            "version": VERSION,
            "description": "Every Kafka topic of the Convenio services: who may write and "
            "read it, the events it carries and their CloudEvents 1.0 headers (binary mode). "
            f"Generated by `python -m {_package}.asyncapi generate` from the topic catalogue; "
            "see docs/integration.md.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "local": {
                "host": "localhost:9092",
                "protocol": "kafka",
                "description": "`make run` / `make kafka-up`: plaintext, no ACLs.",
            },
            "secure": {
                "host": "kafka.convenio.example:9093",
                "protocol": "kafka-secure",
                "description": "SASL/SCRAM-SHA-512 over TLS, one user per principal.",
                "security": [_ref("components", "securitySchemes", "scram")],
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": dict(sorted(defs.items())) | payloads,
            "messages": messages,
            "securitySchemes": {
                "scram": {
                    "type": "scramSha512",
                    "description": "One SCRAM user per principal (User:<principal>).",
                }
            },
        },
    }


def render(doc: Node) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def stale(path: Path = DOCUMENT) -> bool:
    return not path.exists() or path.read_text() != render(document())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convenio_contracts.asyncapi")
    parser.add_argument("command", choices=["generate", "check"])
    args = parser.parse_args(argv)
    if args.command == "generate":
        DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT.write_text(render(document()))
        return 0
    if stale():
        print(
            f"{DOCUMENT} differs from the catalogue: run `{parser.prog} generate`", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
