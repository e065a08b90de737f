from __future__ import annotations

from pydantic import Field

from convenio_chassis.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    database_url: str = "sqlite:///var/reporting.db"
    http_port: int = 8003
    small_cell_k: int = Field(5, ge=1, description="cells with fewer officers are suppressed")
