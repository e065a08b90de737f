"""The versioned catalogue of basic police competencies, and when one competency passes.

The list changed over the years, so a result always names its catalogue version and the CB
component needs every competency of one version. ``2020`` is the current catalogue of seven.
``2012`` is this project's label for the earlier catalogue (physical capacity, police shooting
and police defence as separate competencies, no primer respondiente); the contract requires a
four-digit label and the agreement does not fix the year, so the label is ours (ADR 0041).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .policy import Policy
from .refusals import RefusalReason, Refused

CURRENT = "2020"


class PracticalResult(StrEnum):
    CUMPLE = "cumple"
    NO_CUMPLE = "no_cumple"


@dataclass(frozen=True)
class Catalogue:
    version: str
    competencies: frozenset[str]


CATALOGUES: dict[str, Catalogue] = {
    c.version: c
    for c in (
        Catalogue(
            "2020",
            frozenset(
                {
                    "acondicionamiento_fisico_y_defensa_policial",
                    "armamento_y_tiro",
                    "conduccion_de_vehiculos",
                    "detencion_y_conduccion_de_personas",
                    "baston_pr_24",
                    "radiocomunicacion",
                    "primer_respondiente",
                }
            ),
        ),
        Catalogue(
            "2012",
            frozenset(
                {
                    "capacidad_fisica",
                    "defensa_policial",
                    "tiro_policial",
                    "conduccion_de_vehiculos",
                    "detencion_y_conduccion_de_personas",
                    "baston_pr_24",
                    "radiocomunicacion",
                }
            ),
        ),
    )
}


def catalogue(version: str, competency: str) -> Catalogue:
    """The catalogue a result belongs to; refuse a version or competency it does not have."""
    found = CATALOGUES.get(version)
    if found is None:
        known = ", ".join(sorted(CATALOGUES))
        raise Refused(
            RefusalReason.UNKNOWN_CATALOGUE_VERSION,
            f"competency catalogue {version} is unknown (known: {known})",
        )
    if competency not in found.competencies:
        raise Refused(
            RefusalReason.UNKNOWN_COMPETENCY,
            f"{competency} is not a competency of the {version} catalogue",
        )
    return found


def accepted_on(found: Catalogue, evaluated_on: dt.date, policy: Policy) -> None:
    """The older catalogue counts only for results evaluated before the current one took
    effect: a 2025 result must be measured against the 2025 rulebook."""
    if found.version != CURRENT and evaluated_on >= policy.catalogue_2020_from:
        raise Refused(
            RefusalReason.UNKNOWN_CATALOGUE_VERSION,
            f"the {found.version} catalogue was replaced by the {CURRENT} one on "
            f"{policy.catalogue_2020_from}; a result of {evaluated_on} must use {CURRENT}",
        )


def competency_passes(knowledge_score: float, practical: PracticalResult, pass_mark: float) -> bool:
    return knowledge_score >= pass_mark and practical is PracticalResult.CUMPLE


def check_certifiable(competencies: Iterable[str]) -> None:
    """An instructor can be certified only for competencies some catalogue version has."""
    for competency in competencies:
        if not any(competency in c.competencies for c in CATALOGUES.values()):
            raise Refused(
                RefusalReason.UNKNOWN_COMPETENCY, f"{competency} is in no competency catalogue"
            )
