"""Valid example events for tests; each test changes only what it is about."""

from __future__ import annotations

from convenio_contracts.enrolment import RegisterOfficer


def register_officer(**overrides: object) -> RegisterOfficer:
    fields: dict[str, object] = {
        "cuip": "CUIP0000000001",
        "curp": "GOML850101HMCRRS09",
        "full_name": "Luis Gómez Morales",
        "sex": "hombre",
        "corporation": "Policía Municipal de Toluca",
        "level": "municipal",
        "municipality": 15106,
        "profile": "proximidad",
        "rank": "policía",
        "hire_year": 2019,
    }
    return RegisterOfficer.model_validate(fields | overrides)
