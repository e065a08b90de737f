"""A synthetic academy: officers, one course with one offering of many sessions, the officers'
enrolments, and the attendance register an academy keeps in a spreadsheet (one CSV row per
officer and session). Used by the publisher CLI's broker test and its benchmark."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

COURSE, OFFERING = "KIT-PR-2026", "KIT-PR-2026-01"
SOURCE = "/agency/academia-kit"
START = dt.date(2026, 1, 5)
ATTENDANCE_COLUMNS = ("cuip", "offering_id", "session_id", "status", "minutes")


def cuip(i: int) -> str:
    return f"KIT{i:010d}"


def _curp(i: int) -> str:
    # RENAPO's shape: 4 letters, birth date, sex, state, 3 consonants, homoclave, digit.
    return f"GOML{80 + i % 20:02d}{1 + i % 12:02d}{1 + i % 28:02d}HMCRRS{i % 10}{i % 10}"


def session_id(n: int) -> str:
    return f"S{n:03d}"


def setup(officers: int, sessions: int) -> list[dict[str, Any]]:
    """The officers, the course and its offering, as typed JSONL records."""
    rows: list[dict[str, Any]] = [
        {
            "type": "enrolment.officer.register",
            "data": {
                "cuip": cuip(i),
                "curp": _curp(i),
                "full_name": f"Oficial {i}",
                "sex": "mujer" if i % 2 else "hombre",
                "corporation": "Policía Municipal de Toluca",
                "level": "municipal",
                "municipality": 15106,
                "profile": "proximidad",
                "rank": "policía",
                "hire_year": 2020,
            },
        }
        for i in range(1, officers + 1)
    ]
    rows.append(
        {
            "type": "enrolment.course.publish",
            "data": {
                "course_id": COURSE,
                "version": 1,
                "title": "Primer respondiente",
                "training_type": "actualizacion",
                "programme_code": "PNP-ACT",
                "planned_theory_hours": 4.0 * sessions / 2,
                "planned_practice_hours": 4.0 * (sessions - sessions // 2),
            },
        }
    )
    dates = [START + dt.timedelta(days=n) for n in range(sessions)]
    rows.append(
        {
            "type": "enrolment.offering.schedule",
            "data": {
                "offering_id": OFFERING,
                "course_id": COURSE,
                "course_version": 1,
                "campus": "toluca",
                "starts_on": dates[0].isoformat(),
                "ends_on": dates[-1].isoformat(),
                "capacity": max(officers, 1),
                "sessions": [
                    {
                        "session_id": session_id(n + 1),
                        "session_type": "teoria" if n < sessions // 2 else "practica",
                        "date": day.isoformat(),
                        "planned_minutes": 240,
                    }
                    for n, day in enumerate(dates)
                ],
            },
        }
    )
    return rows


def enrolments(officers: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "enrolment.enrolment.request",
            "data": {"cuip": cuip(i), "offering_id": OFFERING, "requested_by": "coordinacion"},
        }
        for i in range(1, officers + 1)
    ]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def write_attendance(path: Path, officers: int, sessions: int, unknown_sessions: int = 0) -> Path:
    """``officers * sessions`` valid rows, after ``unknown_sessions`` rows naming a session the
    offering does not have (each refused with ``unknown_session``)."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ATTENDANCE_COLUMNS)
        for i in range(1, unknown_sessions + 1):
            writer.writerow((cuip(i), OFFERING, f"X{i:03d}", "present", 240))
        for n in range(1, sessions + 1):
            for i in range(1, officers + 1):
                status = "present" if (i + n) % 10 else "late"
                writer.writerow(
                    (cuip(i), OFFERING, session_id(n), status, 240 if status == "present" else 200)
                )
    return path
