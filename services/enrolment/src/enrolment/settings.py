from __future__ import annotations

from convenio_chassis.settings import ServiceSettings


class EnrolmentSettings(ServiceSettings):
    service_name: str = "enrolment"
    database_url: str = "sqlite:///var/enrolment.db"
    http_port: int = 8001
