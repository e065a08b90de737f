"""Settings every service reads from its environment, with safe one-machine defaults.

Secrets never live in code: a password comes from ``KAFKA_SASL_PASSWORD`` or, for Kubernetes
secret mounts, from the file named by ``KAFKA_SASL_PASSWORD_FILE``; the same holds for the TLS
key's password. HTTP callers are checked against the identity provider's public keys, so no
HTTP secret is configured at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"]


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="the brokers, as comma-separated host:port pairs"
    )
    security_protocol: SecurityProtocol = Field(
        "PLAINTEXT",
        description="PLAINTEXT for the local broker; SASL_SSL (SCRAM over TLS) in Kubernetes",
    )
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        "SCRAM-SHA-512", description="how a SASL_* connection authenticates"
    )
    sasl_username: str | None = Field(
        None,
        description="the Kafka principal to connect as (svc-enrolment...); needed with SASL_*",
    )
    sasl_password: SecretStr | None = Field(
        None, description="that principal's password; needed with SASL_*, or the file below"
    )
    sasl_password_file: Path | None = Field(
        None,
        description="a file holding the password (a mounted secret), read at start-up when "
        "KAFKA_SASL_PASSWORD is unset",
    )
    ssl_cafile: Path | None = Field(
        None,
        description="PEM bundle of the CA that signed the brokers' certificates (SSL, "
        "SASL_SSL); unset: the system's trust store",
    )
    ssl_certfile: Path | None = Field(
        None, description="PEM client certificate, for mutual TLS (SSL, SASL_SSL)"
    )
    ssl_keyfile: Path | None = Field(
        None, description="the client certificate's PEM private key; unset: in the certificate file"
    )
    ssl_key_password: SecretStr | None = Field(
        None, description="password of the client's private key, if it has one"
    )
    ssl_key_password_file: Path | None = Field(
        None,
        description="a file holding that password, read at start-up when "
        "KAFKA_SSL_KEY_PASSWORD is unset",
    )

    @model_validator(mode="after")
    def _secrets_from_files(self) -> KafkaSettings:
        self.sasl_password = _secret(self.sasl_password, self.sasl_password_file)
        self.ssl_key_password = _secret(self.ssl_key_password, self.ssl_key_password_file)
        return self

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> KafkaSettings:
        """Fail at start-up, naming the setting, rather than with a broker's auth error."""
        if self.uses_sasl and not (self.sasl_username and self.sasl_password):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs KAFKA_SASL_USERNAME "
                "and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)"
            )
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL")

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")


def _secret(value: SecretStr | None, file: Path | None) -> SecretStr | None:
    """A value given directly wins; otherwise the file's content, as mounted from a secret."""
    if value is None and file is not None:
        return SecretStr(file.read_text().strip())
    return value


ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""Signatures a public key checks. HS* is refused: a shared secret would sit in every service."""


class HttpAuthSettings(BaseSettings):
    """Who may call the HTTP API (``convenio_chassis.http_auth``): OIDC/JWT bearer tokens from
    one issuer, checked against its public keys. Unset, every guarded endpoint answers 503."""

    model_config = SettingsConfigDict(env_prefix="HTTP_AUTH_", extra="ignore")

    issuer: str | None = Field(
        None, description="the identity provider's issuer URL, as tokens carry it in ``iss``"
    )
    audience: str | None = Field(
        None,
        description="the ``aud`` a token must name to be accepted here (convenio-enrolment...)",
    )
    jwks_file: Path | None = Field(
        None,
        description="the issuer's public keys as a JWKS document (a mounted ConfigMap); a "
        "token's ``kid`` picks the key",
    )
    public_key_file: Path | None = Field(
        None, description="or a single PEM public key, when the issuer has one key"
    )
    algorithms: tuple[str, ...] = Field(
        ("RS256", "ES256"),
        description="signature algorithms accepted, as a JSON list; asymmetric ones only",
    )
    roles_claim: str = Field(
        "roles",
        description="where a token lists its roles: a claim name, dotted for nesting "
        "(Keycloak: realm_access.roles)",
    )
    leeway_s: int = Field(
        30, ge=0, le=300, description="clock skew tolerated on ``exp``/``nbf``, in seconds"
    )

    @model_validator(mode="after")
    def _asymmetric_only(self) -> HttpAuthSettings:
        refused = set(self.algorithms) - ASYMMETRIC_ALGORITHMS
        if refused or not self.algorithms:
            raise ValueError(
                f"HTTP_AUTH_ALGORITHMS: {sorted(refused) or 'none given'}; accepted are "
                f"{sorted(ASYMMETRIC_ALGORITHMS)}"
            )
        return self

    @property
    def missing(self) -> list[str]:
        """The settings still needed before any token can be accepted."""
        missing = [
            name
            for name, value in (
                ("HTTP_AUTH_ISSUER", self.issuer),
                ("HTTP_AUTH_AUDIENCE", self.audience),
            )
            if not value
        ]
        if self.jwks_file is None and self.public_key_file is None:
            missing.append("HTTP_AUTH_JWKS_FILE or HTTP_AUTH_PUBLIC_KEY_FILE")
        return missing


class ConsumerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSUMER_", extra="ignore")

    max_batch: int = Field(
        1000,
        ge=1,
        description="records handled in one transaction. 500 -> 2000 gave 1.8x while reporting "
        "refreshed its feed every batch; with the timed refresh 1000 is within 3 % of 2000 and "
        "keeps each service under 250 MB (docs/performance.md)",
    )
    batch_timeout_ms: int = Field(
        50, ge=1, description="milliseconds a poll waits for records before handing a batch over"
    )
    dlq_max_invalid_ratio: float = Field(
        0.5,
        gt=0,
        le=1,
        description="a source is flagged as flooding (an alert; the consumer goes on) when more "
        "than this share of its window's records were invalid",
    )
    dlq_window: int = Field(
        200, ge=1, description="records of one source over which the ratio is measured"
    )
    dlq_min_invalid: int = Field(
        50, ge=1, description="invalid records from one source before it is flagged as flooding"
    )
    quarantined_sources: list[str] = Field(
        default_factory=list,
        description="sources (ce_source) an operator paused, as a JSON list: their records are "
        "diverted to the dead-letter topic as source_quarantined (ADR 0080)",
    )
    catalogued_sources: list[str] = Field(
        default_factory=list,
        description="sources that always get their own metric label, as a JSON list",
    )
    source_label_limit: int = Field(
        32, ge=0, description="other sources labelled by name, first seen first; then 'other'"
    )


class OutboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTBOX_", extra="ignore")

    batch_size: int = Field(
        1000, ge=1, description="outbox rows the relay reads and publishes at a time"
    )
    poll_interval_s: float = Field(
        0.5,
        gt=0,
        description="seconds the idle relay waits before looking again (a committed batch "
        "wakes it at once)",
    )
    retry_backoff_max_s: float = Field(
        5.0,
        gt=0,
        description="ceiling of the relay's doubling backoff while Kafka or the "
        "database fails, in seconds",
    )


class ServiceSettings(BaseSettings):
    """What every service needs; a service subclasses it for its own domain parameters."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = Field(
        "convenio",
        description="the service's name; informational only: logs, metrics and traces use "
        "the service's own (OTEL_SERVICE_NAME renames its traces)",
    )
    database_url: str = Field(
        "sqlite:///var/convenio.db",
        description="SQLAlchemy URL of the service's own database: sqlite:///path or "
        "postgresql://user:password@host/db (then from a secret)",
    )
    sqlite_busy_timeout_ms: int = Field(
        5000, ge=0, description="how long a SQLite writer waits for another's lock, in ms"
    )
    migrate_on_start: bool = Field(
        True,
        description="upgrade the database to the newest migration before serving; false where "
        "a deployment step migrates (the Kubernetes init container)",
    )
    http_host: str = Field(
        "127.0.0.1", description="address the HTTP server binds to; 0.0.0.0 in a container"
    )
    http_port: int = Field(8000, description="port of the HTTP API, health and /metrics")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: Literal["json", "text"] = Field(
        "json", description="json: one JSON object a line, with trace ids; text: for a terminal"
    )
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    http_auth: HttpAuthSettings = Field(default_factory=HttpAuthSettings)
    consumer: ConsumerSettings = Field(default_factory=ConsumerSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)


@dataclass(frozen=True)
class Variable:
    """One environment variable a settings model reads: ``--help`` lists them, and the
    configuration reference (docs/configuration.md) is generated from them."""

    name: str
    attribute: str
    """The field's name in ``model``."""
    field: FieldInfo
    model: type[BaseSettings]
    """The model that reads it: a nested model (``KafkaSettings``) reads its own."""
    description: str

    @property
    def secret(self) -> bool:
        return SecretStr in _types(self.field.annotation)

    @property
    def required(self) -> bool:
        return self.field.is_required()

    @property
    def default(self) -> Any:
        return None if self.required else self.field.get_default(call_default_factory=True)

    @property
    def default_text(self) -> str:
        """The default as it would be written in the environment; empty when unset."""
        value = self.default
        if value is None or self.secret:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, tuple | list):
            return json.dumps(list(value))
        return str(value)


def environment(model: type[BaseSettings]) -> tuple[Variable, ...]:
    """Every variable ``model`` reads, in declaration order, nested models' in their place.

    A nested settings model built by its ``default_factory`` reads the environment itself,
    under its own prefix. A field a subclass redeclares (a service's own default) keeps the
    description of the field it overrides.
    """
    prefix = str(model.model_config.get("env_prefix", ""))
    found: list[Variable] = []
    for name, field in model.model_fields.items():
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseSettings):
            found += environment(nested)
            continue
        alias = field.validation_alias or field.alias
        if alias is not None and not isinstance(alias, str):
            raise NotImplementedError(f"{model.__name__}.{name}: only a plain alias is named")
        variable = (alias or f"{prefix}{name}").upper()
        found.append(Variable(variable, name, field, model, _description(model, name)))
    return tuple(found)


def _description(model: type[BaseSettings], name: str) -> str:
    for cls in model.__mro__:
        fields: dict[str, FieldInfo] = getattr(cls, "model_fields", {})
        if name in fields and fields[name].description:
            return str(fields[name].description)
    return ""


def _types(annotation: Any) -> set[Any]:
    """The types a (possibly optional) annotation allows."""
    args = getattr(annotation, "__args__", None)
    if args is None or getattr(annotation, "__origin__", None) is Literal:
        return {annotation}
    return {t for arg in args for t in _types(arg)}
