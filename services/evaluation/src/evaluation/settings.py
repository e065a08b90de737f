"""The evaluation service's settings: the chassis's, plus the domain parameters, each read from
the environment variable of the same name in capitals (``COMPETENCY_PASS_MARK``...)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field

from convenio_chassis.settings import ServiceSettings

from .domain.policy import Policy


class EvaluationSettings(ServiceSettings):
    service_name: str = "evaluation"
    database_url: str = "sqlite:///var/evaluation.db"
    http_port: int = 8002

    competency_pass_mark: float = Field(70, ge=0, le=100, description="knowledge score, 0-100")
    c3_validity_years: int = Field(
        3, ge=1, description="years an approved C3 (control de confianza) stays in force"
    )
    cb_validity_years: int = Field(
        3, ge=1, description="years approved CB (competencias básicas) stay in force"
    )
    ed_validity_years: int = Field(
        3, ge=1, description="years an approved ED (evaluación del desempeño) stays in force"
    )
    expiry_alert_days: tuple[int, ...] = Field(
        (180, 90, 30), min_length=1, description='JSON list, e.g. "[180, 90, 30]"'
    )
    unknown_officer_hold_days: int = Field(
        7, ge=0, description="days intake for an unknown officer is held before it is rejected"
    )
    competency_catalogue_2020_from: dt.date = Field(
        dt.date(2020, 1, 1),
        description="the day the 2020 competency catalogue took effect: 2012-catalogue results "
        "dated on or after it are refused (a parameter: the source is not verified, ADR 0075)",
    )
    fi_initial_training_hours: float = Field(972, gt=0, description="formación inicial")
    fi_equivalent_training_hours: float = Field(
        486, gt=0, description="formación inicial equivalente, for serving officers"
    )
    feedback_requires_enrolment: bool = Field(
        True,
        description="course feedback must name its enrolment; false only while v1 clients "
        "that send none are migrated (ADR 0077)",
    )
    expiry_scheduler_interval_s: float = Field(300, gt=0, description="seconds between ticks")
    expiry_scheduler_batch: int = Field(500, ge=1, description="officers per transaction")
    evaluation_clock_file: Path | None = Field(
        None, description="TESTS ONLY: a file holding today's ISO date, read on every tick"
    )

    def policy(self) -> Policy:
        return Policy(
            pass_mark=self.competency_pass_mark,
            c3_validity_years=self.c3_validity_years,
            cb_validity_years=self.cb_validity_years,
            ed_validity_years=self.ed_validity_years,
            alert_days=self.expiry_alert_days,
            unknown_officer_hold_days=self.unknown_officer_hold_days,
            catalogue_2020_from=self.competency_catalogue_2020_from,
            feedback_requires_enrolment=self.feedback_requires_enrolment,
            fi_required_hours={
                "formacion_inicial": self.fi_initial_training_hours,
                "formacion_inicial_equivalente": self.fi_equivalent_training_hours,
            },
        )
