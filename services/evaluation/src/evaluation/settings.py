from __future__ import annotations

from convenio_chassis.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    service_name: str = "evaluation"
    database_url: str = "sqlite:///var/evaluation.db"
    http_port: int = 8002
