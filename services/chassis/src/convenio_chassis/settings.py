"""Settings every service reads from its environment, with safe one-machine defaults.

Secrets never live in code: a password comes from ``KAFKA_SASL_PASSWORD`` or, for Kubernetes
secret mounts, from the file named by ``KAFKA_SASL_PASSWORD_FILE``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"]


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    @model_validator(mode="after")
    def _password_from_file(self) -> KafkaSettings:
        if self.sasl_password is None and self.sasl_password_file is not None:
            self.sasl_password = SecretStr(self.sasl_password_file.read_text().strip())
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL")

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")


class ConsumerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSUMER_", extra="ignore")

    max_batch: int = Field(500, ge=1, description="records handled in one transaction")
    batch_timeout_ms: int = Field(50, ge=1)
    dlq_max_invalid_ratio: float = Field(0.5, gt=0, le=1)
    dlq_window: int = Field(200, ge=1, description="records over which the ratio is measured")
    dlq_min_invalid: int = Field(
        50, ge=1, description="invalid records before the breaker may trip"
    )


class OutboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTBOX_", extra="ignore")

    batch_size: int = Field(1000, ge=1)
    poll_interval_s: float = Field(0.5, gt=0)
    retry_backoff_max_s: float = Field(5.0, gt=0)


class ServiceSettings(BaseSettings):
    """What every service needs; a service subclasses it for its own domain parameters."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "convenio"
    database_url: str = "sqlite:///var/convenio.db"
    sqlite_busy_timeout_ms: int = Field(5000, ge=0)
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    consumer: ConsumerSettings = Field(default_factory=ConsumerSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
