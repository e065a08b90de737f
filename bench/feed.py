"""What the ONC feed says, read through reporting's API as ONC would."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from convenio_chassis.process import http_get_json

ENROLMENTS = "training.enrolments"
STATE = "state:15"


def state_year_enrolments(reporting_url: str) -> int:
    """Enrolments the feed counts in the state's yearly cells, over every year it has."""
    query = urlencode({"indicator": ENROLMENTS, "geography": STATE})
    return enrolments_in_state_years(http_get_json(f"{reporting_url}/indicators?{query}", 60))


def enrolments_in_state_years(cells: Iterable[dict[str, Any]]) -> int:
    return sum(
        int(cell["numerator"] or 0)
        for cell in cells
        if cell.get("indicator") == ENROLMENTS
        and cell.get("geography") == STATE
        and cell.get("period_type") == "year"
        and cell.get("level", "all") == "all"
        and cell.get("breakdown", "all") == "all"
    )
