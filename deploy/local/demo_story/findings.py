"""What ONC analysts send, and UMS's answers: two areas of opportunity."""

from __future__ import annotations

import datetime as dt

from convenio_contracts import Event
from convenio_contracts.reporting import ChangeFindingStatus, RecordFinding, RespondToFinding

from .courses import FIE, OFFERINGS
from .days import quarter_of, today_in_mexico


def findings(today: dt.date | None = None) -> list[Event]:
    """Two areas of opportunity: UMS answers one; ONC closes the other."""
    today = today or today_in_mexico()
    fie = OFFERINGS[0]
    return [
        RecordFinding(
            finding_id="ONC-2026-001",
            scope="municipality",
            scope_ref="15116",
            category="coverage",
            severity="high",
            title="Zacazonapan: muy pocos policías en el programa para publicar sus cifras",
            evidence="Todas las celdas de Zacazonapan se publican suprimidas (menos de 5 "
            "policías por celda).",
        ),
        RespondToFinding(
            finding_id="ONC-2026-001",
            status="acknowledged",
            note="UMS abrirá una oferta regional con municipios vecinos.",
        ),
        RespondToFinding(
            finding_id="ONC-2026-001",
            status="in_progress",
            note="Oferta regional en Valle de Bravo en programación.",
        ),
        RecordFinding(
            finding_id="ONC-2026-002",
            scope="course",
            scope_ref=FIE.course_id,
            category="attendance",
            severity="low",
            title="Formación inicial equivalente: asistencia por debajo del 80 % en algunos casos",
            evidence="Algunos participantes no alcanzaron el umbral de asistencia; ver "
            "training.completion_rate del trimestre.",
            period=quarter_of(fie.closed_on(today)),
        ),
        ChangeFindingStatus(
            finding_id="ONC-2026-002",
            status="closed",
            actor="onc",
            note="Revisado con UMS: las faltas están documentadas.",
        ),
    ]
