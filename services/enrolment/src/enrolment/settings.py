from __future__ import annotations

from limits import parse
from pydantic import Field, field_validator

from convenio_chassis.settings import ServiceSettings


class EnrolmentSettings(ServiceSettings):
    service_name: str = "enrolment"
    database_url: str = "sqlite:///var/enrolment.db"
    http_port: int = 8001
    completion_threshold: float = Field(
        0.8,
        ge=0,
        le=1,
        description="share of planned sessions an officer must attend to complete "
        "(env COMPLETION_THRESHOLD; justified absences excused)",
    )
    completion_hours_threshold: float = Field(
        0.8,
        ge=0,
        le=1,
        description="share of the course's planned theory hours, and of its planned practice "
        "hours, that must each be delivered to complete (env COMPLETION_HOURS_THRESHOLD; the "
        "national framework's 80 %)",
    )
    officer_lookup_rate: str = Field(
        "60/minute",
        description="CUIP lookups (/internal/officer-id) each caller may make, in the "
        "``limits`` notation (60/minute, 1000/hour), counted per replica (env "
        "OFFICER_LOOKUP_RATE)",
    )

    @field_validator("officer_lookup_rate")
    @classmethod
    def _in_limits_notation(cls, rate: str) -> str:
        parse(rate)  # ValueError naming the notation, at start-up rather than at the first call
        return rate
