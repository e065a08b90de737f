"""Records no agency should send, each with the dead-letter reason it must get."""

from __future__ import annotations

import json

from .. import agency

INTAKE = "enrolment.intake.v1"


def _valid(i: int) -> agency.Command:
    return agency.register_officer(900_000 + i, 15106)


def _replace(command: agency.Command, **headers: bytes | None) -> list[tuple[str, bytes]]:
    merged = dict(command.headers) | headers
    return [(k, v) for k, v in merged.items() if v is not None]


def poison_records(copies: int = 5) -> list[tuple[str, bytes | None, list[tuple[str, bytes]]]]:
    """(expected reason, value, headers) for every kind of poison, ``copies`` of each."""
    out = []
    for n in range(copies):
        c = _valid(n)
        body = json.loads(c.value)
        out += [
            ("malformed_payload", b'{"cuip": "CUIP', c.headers),
            (
                "contract_violation",
                json.dumps(body | {"municipality": "Toluca"}).encode(),
                _replace(c, ce_id=agency.command("x", {}, "k").ce_id.encode()),
            ),
            (
                "unknown_event_type",
                c.value,
                _replace(c, ce_type=b"mx.convenio.enrolment.officer.teleport.v1"),
            ),
            ("missing_header", c.value, _replace(c, ce_id=None)),
            ("invalid_header", c.value, _replace(c, ce_type=b"\xff\xfe\xfd")),
            ("malformed_payload", b"x" * (1024 * 1024 + 10), c.headers),
            ("malformed_payload", b"", c.headers),
        ]
    return out
