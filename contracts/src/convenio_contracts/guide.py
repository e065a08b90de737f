"""The generated parts of ``docs/integration.md``: the kcat recipe (one command of each kind
an agency may publish, on the topic the catalogue gives it, keyed and with the headers the
envelope wants) and the table of reason codes, both from the contracts and the catalogue.

    python -m convenio_contracts.guide generate   # rewrite the marked sections
    python -m convenio_contracts.guide check      # exit 1 when the guide is stale

A section sits between ``<!-- generated:NAME -->`` and ``<!-- end:NAME -->``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from .base import all_event_classes
from .envelope import (
    ContractViolation,
    EnvelopeError,
    InvalidHeader,
    MalformedPayload,
    MissingHeader,
    UnknownEventType,
)
from .examples import examples
from .glossary import FIELDS
from .rejections import RejectionReason
from .topics import Principal, topic_for

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "integration.md"
SOURCE = "/agency/academia-toluca"

# Order matters: each command follows the ones it needs, so the recipe ends in facts.
_FIRST = (
    "officer.register",
    "course.publish",
    "offering.schedule",
    "enrolment.request",
    "attendance.record",
    "attendance.void",
    "officer.change_assignment",
    "enrolment.withdraw",
    "offering.close",
)


def publishable(principal: Principal = Principal.AGENCY_PUBLISHER) -> list[str]:
    """The event types an agency may publish, in the recipe's order."""
    types = [t for t in all_event_classes() if principal in topic_for(t).writers]

    def rank(event_type: str) -> tuple[int, str]:
        short = ".".join(event_type.split(".")[3:5])
        return (_FIRST.index(short) if short in _FIRST else len(_FIRST), event_type)

    return sorted(types, key=rank)


def kcat_recipe() -> str:
    lines = [
        "```sh",
        "# one command of each kind; client.properties as above (kcat reads librdkafka's keys)",
        "new_id() { cat /proc/sys/kernel/random/uuid; }   # or: uuidgen",
        "now() { date -u +%Y-%m-%dT%H:%M:%SZ; }",
    ]
    for event_type in publishable():
        cls = all_event_classes()[event_type]
        payload = examples()[event_type]
        key = str(payload[cls.key_field])
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("'", "'\\''")
        lines += [
            "",
            f"# {event_type}",
            f"echo '{body}' |",
            f"  kcat -F client.properties -P -t {topic_for(event_type).name} -k '{key}' \\",
            f'  -H ce_specversion=1.0 -H "ce_id=$(new_id)" -H ce_source={SOURCE} \\',
            f'  -H ce_type={event_type} -H "ce_time=$(now)" -H content-type=application/json',
        ]
    lines.append("```")
    return "\n".join(lines)


REJECTION_ADVICE: dict[RejectionReason, str] = {
    RejectionReason.UNKNOWN_OFFICER: "Register the officer (officer.register) first, then re-send.",
    RejectionReason.UNKNOWN_COURSE: "Publish the course version first (course.publish).",
    RejectionReason.UNKNOWN_OFFERING: "Schedule the offering first (offering.schedule).",
    RejectionReason.UNKNOWN_SESSION: "Use a session_id of the offering's schedule.",
    RejectionReason.OFFERING_FULL: "The offering is at capacity: enrol in another one.",
    RejectionReason.OFFERING_CLOSED: "The offering is closed: nothing more can be recorded on it.",
    RejectionReason.DUPLICATE_ENROLMENT: "Already enrolled: nothing to do.",
    RejectionReason.NOT_ENROLLED: "Enrol the officer first (enrolment.request).",
    RejectionReason.INACTIVE_OFFICER: "The officer is not active (baja, suspension): check HR.",
    RejectionReason.CONFLICTING_REGISTRATION: "The CUIP is registered with other data: fix the "
    "data, or send officer.change_assignment for a real change.",
    RejectionReason.CONFLICTING_DEFINITION: "That id is defined differently: a changed course "
    "is a new version; a changed offering a new offering_id.",
    RejectionReason.SESSION_OUTSIDE_OFFERING: "Session dates must lie within starts_on..ends_on.",
    RejectionReason.ATTENDANCE_ALREADY_RECORDED: "Void the record (attendance.void) before "
    "recording a correction.",
    RejectionReason.NOTHING_TO_VOID: "There is no attendance to void for that officer/session.",
    RejectionReason.UNCERTIFIED_EVALUATOR: "The evaluator must hold a valid certification.",
    RejectionReason.UNKNOWN_CATALOGUE_VERSION: "Use a published competency catalogue version.",
    RejectionReason.UNKNOWN_COMPETENCY: "Use a competency code of that catalogue version.",
    RejectionReason.UNKNOWN_INSTRUCTOR: "Certify the instructor first.",
    RejectionReason.UNKNOWN_FINDING: "Record the finding before changing its status.",
    RejectionReason.DUPLICATE_FINDING: "The finding id exists: use a new id or change_status.",
    RejectionReason.INVALID_TRANSITION: "That status cannot follow the finding's current one.",
    RejectionReason.INVALID_REQUEST: "The command contradicts itself (see the message): fix it.",
}

DEAD_LETTER_REASONS: dict[str, str] = {
    MissingHeader.reason: "A required ce_* header is missing: send ce_specversion, ce_id, "
    "ce_source, ce_type and ce_time.",
    InvalidHeader.reason: "A header is wrong (ce_id not a UUID, ce_time without time zone, "
    "ce_specversion not 1.0, content-type not JSON): fix and re-send.",
    UnknownEventType.reason: "ce_type is not a contract type: check the spelling and version.",
    MalformedPayload.reason: "The value is empty, not JSON, or over 1 MiB.",
    ContractViolation.reason: "The JSON breaks the schema (the error names the field): "
    "validate with `convenio validate` or the JSON Schema.",
    EnvelopeError.reason: "The record is not a CloudEvent in Kafka binary mode.",
    "unexpected_event_type": "A valid type, but not one this topic carries: use the topic "
    "the catalogue (AsyncAPI) gives it.",
    "handler_error": "The service failed on it (our bug): tell the Convenio team the ce_id.",
    "source_quarantined": "Your ce_source is paused by an operator after a flood of invalid "
    "records: fix the sender, then ask the operators to resume it.",
}


def reason_table() -> str:
    rows = ["| code | kind | what to do |", "|---|---|---|"]
    rows += [f"| `{r.value}` | rejection | {REJECTION_ADVICE[r]} |" for r in RejectionReason]
    rows += [f"| `{code}` | dead letter | {text} |" for code, text in DEAD_LETTER_REASONS.items()]
    return "\n".join(rows)


def _enum_values(root: dict[str, Any], node: dict[str, Any]) -> list[str]:
    for branch in node.get("anyOf", [node]):
        if "$ref" in branch:
            branch = root.get("$defs", {})[branch["$ref"].rsplit("/", 1)[-1]]
        if "items" in branch:
            return _enum_values(root, branch["items"])
        if "enum" in branch:
            return [str(v) for v in branch["enum"]]
    return []


def csv_layouts() -> str:
    """The CSV columns of every command an agency may publish (``convenio publish --type``)."""
    out: list[str] = []
    for event_type in publishable():
        cls = all_event_classes()[event_type]
        schema = cls.model_json_schema()
        required = set(schema.get("required", []))
        short = event_type.removeprefix("mx.convenio.").rsplit(".", 1)[0]
        out += [
            f"**`{short}`** (`{event_type}`, key `{cls.key_field}`):",
            "",
            "| column | required | meaning |",
            "|---|---|---|",
        ]
        for name, info in cls.model_fields.items():
            meaning = info.description or FIELDS.get(name, "")
            values = _enum_values(schema, schema.get("properties", {}).get(name, {}))
            if values:
                meaning += " One of: " + ", ".join(f"`{v}`" for v in values) + "."
            out.append(f"| `{name}` | {'yes' if name in required else ''} | {meaning} |")
        out.append("")
    return "\n".join(out).rstrip()


SECTIONS = {"kcat": kcat_recipe, "reasons": reason_table, "layouts": csv_layouts}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- end:{name} -->)", re.DOTALL)
        match = pattern.search(text)
        if match is None:
            raise ValueError(f"{GUIDE.name} has no generated:{name} section")
        text = text[: match.start()] + match[1] + make() + "\n" + match[2] + text[match.end() :]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convenio_contracts.guide")
    parser.add_argument("command", choices=["generate", "check"])
    args = parser.parse_args(argv)
    current = GUIDE.read_text()
    wanted = render(current)
    if args.command == "generate":
        GUIDE.write_text(wanted)
        return 0
    if wanted != current:
        print(f"{GUIDE} is stale: run `{parser.prog} generate`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
