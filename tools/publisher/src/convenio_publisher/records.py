"""Reading an academy's file into contract-checked events, with errors by line and field.

Formats (by extension, or ``--format``):

- **CSV**: one command per row, all of one type (``--type``); the header row names the
  contract's fields (``convenio layouts`` lists them per type). An empty cell omits an optional
  field; a list field (e.g. ``competencies``) is ``;``-separated. Nested lists of objects
  (an offering's ``sessions``) need JSON.
- **JSONL**: one JSON object per line, either a bare payload (its type from ``--type``) or
  ``{"type": "<ce_type>", "data": {...}}`` so one file can mix types.
- **JSON**: one such object, or an array of them.

The stable ``ce_id`` of a record is a UUIDv5 of its source, type and canonical payload: the
same row sent twice (a re-run, a retry) carries the same id, and the services' inboxes accept
it once (ADR 0091).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from convenio_contracts import Event, all_event_classes
from convenio_contracts.topics import Principal, topic_for

ID_NAMESPACE = uuid.UUID("8f3b1c52-4d7e-5a90-b1c2-d3e4f5a6b7c8")
"""Fixed forever: changing it would change every stable ce_id, so re-runs would re-publish."""


class Format(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    JSON = "json"


@dataclass(frozen=True)
class FieldError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Record:
    line: int
    event: Event
    ce_id: str

    @property
    def event_type(self) -> str:
        return self.event.event_type


def publishable_types(principal: Principal = Principal.AGENCY_PUBLISHER) -> list[str]:
    """The event types whose catalogue topic the principal may write."""
    return sorted(t for t in all_event_classes() if principal in topic_for(t).writers)


def resolve_type(name: str) -> str:
    """A full ``ce_type``, or a unique short form such as ``attendance.record`` or
    ``enrolment.attendance.record``."""
    types = all_event_classes()
    if name in types:
        return name
    matches = [t for t in types if t.rsplit(".", 1)[0].endswith("." + name)]
    if len(matches) != 1:
        known = ", ".join(short_name(t) for t in publishable_types())
        raise ValueError(f"unknown or ambiguous type {name!r}; one of: {known}")
    return matches[0]


def short_name(event_type: str) -> str:
    """``mx.convenio.enrolment.attendance.record.v1`` -> ``enrolment.attendance.record``."""
    return event_type.removeprefix("mx.convenio.").rsplit(".", 1)[0]


def detect_format(path: Path) -> Format:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in {"jsonl", "ndjson"}:
        return Format.JSONL
    if suffix == "json":
        return Format.JSON
    if suffix in {"csv", "tsv"}:
        return Format.CSV
    raise ValueError(f"cannot tell the format of {path.name}: give --format csv|jsonl|json")


def stable_id(source: str, event: Event) -> str:
    """A UUIDv5 of the sender, the type and the canonical payload."""
    canonical = json.dumps(event.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return str(uuid.uuid5(ID_NAMESPACE, f"{source}\n{event.event_type}\n{canonical}"))


def csv_columns(event_type: str) -> list[tuple[str, bool, str]]:
    """``(column, required, description)`` for each field of a type, in the contract's order."""
    cls = all_event_classes()[event_type]
    schema = cls.model_json_schema()
    required = set(schema.get("required", []))
    from convenio_contracts.glossary import FIELDS

    return [
        (name, name in required, info.description or FIELDS.get(name, ""))
        for name, info in cls.model_fields.items()
    ]


def _list_fields(event_type: str) -> set[str]:
    schema = all_event_classes()[event_type].model_json_schema()
    out = set()
    for name, prop in schema.get("properties", {}).items():
        branches = prop.get("anyOf", [prop])
        if any(b.get("type") == "array" for b in branches):
            out.add(name)
    return out


def _csv_rows(text: str, event_type: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    lists = _list_fields(event_type)
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        data: dict[str, Any] = {}
        for column, cell in row.items():
            if column is None or cell is None or cell == "":
                continue
            column = column.strip()
            data[column] = (
                [v.strip() for v in cell.split(";") if v.strip()] if (column in lists) else cell
            )
        yield reader.line_num, event_type, data


def _typed(line: int, obj: Any, default: str | None) -> tuple[int, str, Any]:
    if isinstance(obj, dict) and set(obj) >= {"type", "data"}:
        return line, str(obj["type"]), obj["data"]
    if default is None:
        raise _RowError(line, "type", 'no --type given and the object has no "type"/"data"')
    return line, default, obj


class _RowError(Exception):
    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(message)
        self.error = FieldError(line, field, message)


def _raw_rows(
    path: Path, fmt: Format, default: str | None
) -> Iterator[tuple[int, str, Any] | FieldError]:
    text = path.read_text(encoding="utf-8-sig")
    if fmt is Format.CSV:
        if default is None:
            raise ValueError("a CSV file holds one type: give --type")
        yield from _csv_rows(text, default)
    elif fmt is Format.JSONL:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                yield _typed(number, obj, default)
            except json.JSONDecodeError as exc:
                yield FieldError(number, "<json>", exc.msg)
            except _RowError as exc:
                yield exc.error
    else:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            yield FieldError(exc.lineno, "<json>", exc.msg)
            return
        for number, obj in enumerate(loaded if isinstance(loaded, list) else [loaded], start=1):
            try:
                yield _typed(number, obj, default)
            except _RowError as exc:
                yield exc.error


def read(
    path: Path, *, source: str, event_type: str | None = None, fmt: Format | None = None
) -> tuple[list[Record], list[FieldError]]:
    """Every valid record of the file and every error, by line (CSV/JSONL) or item (JSON)."""
    fmt = fmt or detect_format(path)
    default = resolve_type(event_type) if event_type else None
    records: list[Record] = []
    errors: list[FieldError] = []
    for row in _raw_rows(path, fmt, default):
        if isinstance(row, FieldError):
            errors.append(row)
            continue
        line, type_name, data = row
        try:
            cls = all_event_classes()[resolve_type(type_name)]
        except ValueError as exc:
            errors.append(FieldError(line, "type", str(exc)))
            continue
        if not isinstance(data, dict):
            errors.append(FieldError(line, "<root>", "a record must be a JSON object"))
            continue
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            errors.append(
                FieldError(line, unknown[0], f"not a field of {short_name(cls.event_type)}")
            )
            continue
        try:
            event = cls.model_validate(data)
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                field = ".".join(str(p) for p in e["loc"]) or "<root>"
                errors.append(FieldError(line, field, e["msg"]))
            continue
        records.append(Record(line, event, stable_id(source, event)))
    return records, errors
