"""Generate the committed JSON Schemas and check them against the last released snapshots.

``generate`` writes ``contracts/schemas/<type>.json`` (what producers emit: closed, with
``additionalProperties: false``) and ``contracts/schemas/consumer/<type>.json`` (what a reader
should validate with: the same schema open to fields a later minor version adds). Both carry
``$schema``, an ``$id`` equal to the ``ce_dataschema`` header (served by every service at
``/schemas/...``), a description on every field (``glossary``) and an example (``examples``).
``check`` fails when those are stale or
when any schema breaks its snapshot in ``contracts/schemas/snapshots/``; ``snapshot`` records a
release and refuses to overwrite a snapshot with an incompatible schema.

Compatibility within a major version is checked in both directions: old readers must accept
new events and new readers old events. So the required fields must stay the same, no field may
disappear, new fields must be optional, and an existing field's constraints may not change.
Annotations (``ANNOTATIONS``: descriptions, examples, ``$schema``...) document and never break.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .base import all_event_classes
from .envelope import consumer_dataschema, dataschema
from .examples import examples
from .glossary import FIELDS

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
SNAPSHOT_DIR = SCHEMA_DIR / "snapshots"
CONSUMER_DIR = SCHEMA_DIR / "consumer"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ANNOTATIONS = {"title", "description", "examples", "default", "$schema", "$comment"}
"""Keywords that document a schema and validate nothing (JSON Schema's annotation and core
identification keywords; ``default`` is informative only in JSON Schema): a change to them is
never a breaking change."""
_COSMETIC = ANNOTATIONS

Schema = dict[str, Any]


def _describe(node: Schema) -> None:
    for name, prop in node.get("properties", {}).items():
        if "description" not in prop and name in FIELDS:
            prop["description"] = FIELDS[name]


def generated_schemas() -> dict[str, Schema]:
    """The producers' schemas: closed (``additionalProperties: false``)."""
    out = {}
    samples = examples()
    for event_type, cls in sorted(all_event_classes().items()):
        schema = cls.model_json_schema(mode="serialization")
        _describe(schema)
        for definition in schema.get("$defs", {}).values():
            _describe(definition)
        schema["$schema"] = DIALECT
        schema["$id"] = dataschema(event_type)
        schema["examples"] = [samples[event_type]]
        schema["x-event-type"] = event_type
        schema["x-key"] = cls.key_field
        out[event_type] = schema
    return out


def _open(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: True if k == "additionalProperties" and v is False else _open(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_open(v) for v in node]
    return node


def consumer_schemas() -> dict[str, Schema]:
    """The readers' schemas: the producers' ones with every ``additionalProperties: false``
    lifted, so a field added by a later minor version does not fail validation."""
    out = {}
    for event_type, schema in generated_schemas().items():
        tolerant: Schema = _open(schema)
        tolerant["$id"] = consumer_dataschema(event_type)
        tolerant["description"] = (
            schema.get("description", "") + " Consumer variant: tolerates added fields."
        ).strip()
        out[event_type] = tolerant
    return out


def schema_documents() -> dict[str, Schema]:
    """Every schema a service serves, by path under ``/schemas/``."""
    docs = {f"{t}.json": s for t, s in generated_schemas().items()}
    docs |= {f"consumer/{t}.json": s for t, s in consumer_schemas().items()}
    return docs


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _resolve(node: Schema, root: Schema) -> Schema:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = root.get("$defs", {})[name]
    return node


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every reason why ``new`` cannot replace ``old`` within one major version."""
    return _compare(old, new, "", old, new)


def _compare(old: Schema, new: Schema, path: str, old_root: Schema, new_root: Schema) -> list[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    if set(old.get("required", [])) != set(new.get("required", [])):
        problems.append(
            f"{path or '<root>'}: required fields changed "
            f"{sorted(old.get('required', []))} -> {sorted(new.get('required', []))}"
        )
    for name, old_prop in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: field removed")
        else:
            problems += _compare(old_prop, new_props[name], f"{path}.{name}", old_root, new_root)
    for key in (set(old) | set(new)) - _COSMETIC - {"properties", "required", "$defs", "$id"}:
        if key in {"anyOf", "items", "prefixItems"} and key in old and key in new:
            olds, news = old[key], new[key]
            if isinstance(olds, dict):
                olds, news = [olds], [news]
            if len(olds) != len(news):
                problems.append(f"{path}: {key} changed")
                continue
            for i, (o, n) in enumerate(zip(olds, news, strict=True)):
                problems += _compare(o, n, f"{path}[{key}{i}]", old_root, new_root)
        elif old.get(key) != new.get(key):
            problems.append(
                f"{path or '<root>'}: {key} changed {old.get(key)!r} -> {new.get(key)!r}"
            )
    return problems


def _load(path: Path) -> Schema:
    loaded: Schema = json.loads(path.read_text())
    return loaded


def stale_files(schema_dir: Path = SCHEMA_DIR) -> list[str]:
    problems = []
    for directory, current in (
        (schema_dir, generated_schemas()),
        (schema_dir / "consumer", consumer_schemas()),
    ):
        for event_type, schema in current.items():
            path = directory / f"{event_type}.json"
            if not path.exists() or path.read_text() != render(schema):
                problems.append(f"{path.relative_to(schema_dir)} is stale: run `make schemas`")
        committed = {p.stem for p in directory.glob("*.json")}
        problems += [
            f"{(directory / name).relative_to(schema_dir)}.json has no event class"
            for name in sorted(committed - set(current))
        ]
    return problems


def incompatibilities(snapshot_dir: Path = SNAPSHOT_DIR) -> list[str]:
    current = generated_schemas()
    problems = []
    for path in sorted(snapshot_dir.glob("*.json")):
        if path.stem not in current:
            problems.append(
                f"{path.stem}: released event type disappeared; publish it until retired"
            )
            continue
        problems += [f"{path.stem}{p}" for p in breaking_changes(_load(path), current[path.stem])]
    return problems


def unsnapshotted(snapshot_dir: Path = SNAPSHOT_DIR) -> list[str]:
    return sorted(set(generated_schemas()) - {p.stem for p in snapshot_dir.glob("*.json")})


def write_schemas() -> None:
    CONSUMER_DIR.mkdir(parents=True, exist_ok=True)
    for event_type, schema in generated_schemas().items():
        (SCHEMA_DIR / f"{event_type}.json").write_text(render(schema))
    for event_type, schema in consumer_schemas().items():
        (CONSUMER_DIR / f"{event_type}.json").write_text(render(schema))


def write_snapshots() -> list[str]:
    """Record the current schemas as released; refuse any that would break a snapshot."""
    problems = incompatibilities()
    if problems:
        return problems
    SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for event_type, schema in generated_schemas().items():
        (SNAPSHOT_DIR / f"{event_type}.json").write_text(render(schema))
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convenio_contracts.schemas")
    parser.add_argument("command", choices=["generate", "check", "snapshot"])
    args = parser.parse_args(argv)
    if args.command == "generate":
        write_schemas()
        problems: list[str] = []
    elif args.command == "snapshot":
        problems = write_snapshots()
    else:
        problems = stale_files() + incompatibilities()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
