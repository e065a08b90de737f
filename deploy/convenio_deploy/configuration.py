"""The configuration reference: every environment variable of every service, generated from
the services' pydantic-settings models into ``docs/configuration.md`` and ``.env.example``.

    PYTHONPATH=deploy uv run python -m convenio_deploy.configuration write   # after a change
    PYTHONPATH=deploy uv run python -m convenio_deploy.configuration check   # exit 1 if stale

``tests/deploy/test_configuration.py`` fails when either file differs from what this writes, so
a new setting cannot ship undocumented. It lives with the deployment tooling, not in the
chassis: no service needs it at run time.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from convenio_chassis.settings import (
    ConsumerSettings,
    HttpAuthSettings,
    KafkaSettings,
    OutboxSettings,
    ServiceSettings,
    Variable,
    environment,
)

from .services import SERVICES

REPO = Path(__file__).resolve().parents[2]
DOC = Path("docs/configuration.md")
ENV_EXAMPLE = Path(".env.example")
COMMAND = "PYTHONPATH=deploy uv run python -m convenio_deploy.configuration write"

SECTIONS: dict[type[BaseSettings], tuple[str, str]] = {
    ServiceSettings: (
        "Every service: database, HTTP server, logs",
        "`convenio_chassis.settings.ServiceSettings`; each service's defaults are its own.",
    ),
    KafkaSettings: (
        "Kafka connection (`KAFKA_*`)",
        "`KafkaSettings`. The operator tools read the same variables, given an administrator's "
        "credentials.",
    ),
    HttpAuthSettings: (
        "HTTP callers (`HTTP_AUTH_*`)",
        "`HttpAuthSettings`: OIDC/JWT bearer tokens checked against the issuer's public keys "
        "(`convenio_chassis.http_auth`, ADR 0085). Unset, every endpoint but reporting's "
        "public feed and health answers 503.",
    ),
    ConsumerSettings: (
        "Consumer batches and the dead-letter breaker (`CONSUMER_*`)",
        "`ConsumerSettings` (ADR 0002, ADR 0006).",
    ),
    OutboxSettings: ("Outbox relay (`OUTBOX_*`)", "`OutboxSettings` (ADR 0007)."),
}
TOOLS: dict[type[BaseSettings], tuple[str, ...]] = {
    KafkaSettings: ("acl_admin", "topics_admin", "dlq_tool"),
}
"""Operator tools (``python -m convenio_chassis.<tool>``) that read a whole model."""
RAW_READERS = dict.fromkeys(("DATABASE_URL", "LOG_LEVEL", "LOG_FORMAT"), ("migrations",))
"""``python -m convenio_chassis.migrations`` reads these few from the environment directly."""

OTEL: tuple[tuple[str, str, str], ...] = (
    (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "",
        "the OpenTelemetry collector's base URL (`http://otel-collector:4318`): spans are "
        "exported over OTLP/HTTP. Unset, no span is recorded, but trace ids still reach the logs "
        "and travel on with every event",
    ),
    (
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "",
        "the full traces URL, instead of the base URL above",
    ),
    (
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "http/protobuf",
        "only `http/protobuf` is shipped: another value logs a warning, and spans go over "
        "OTLP/HTTP all the same",
    ),
    (
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "",
        "the same, for traces only; wins over `OTEL_EXPORTER_OTLP_PROTOCOL`",
    ),
    ("OTEL_TRACES_EXPORTER", "otlp", "`none` exports nothing, even with an endpoint set"),
    (
        "OTEL_TRACES_SAMPLER",
        "parentbased_always_on",
        "the SDK's sampler, used only while exporting",
    ),
    ("OTEL_SERVICE_NAME", "", "the service's name in traces; unset: the service's own name"),
    ("OTEL_RESOURCE_ATTRIBUTES", "", "more resource attributes, as `key=value,key=value`"),
    (
        "OTEL_SDK_DISABLED",
        "false",
        "`true` installs no tracer provider: no trace ids in logs, no trace context sent on",
    ),
)
"""The OpenTelemetry SDK's own variables that ``convenio_chassis.tracing`` reads or relies on."""


@dataclass(frozen=True)
class Setting:
    """One variable, as every service that reads it sees it."""

    variable: Variable
    section: type[BaseSettings]
    defaults: dict[str, str]
    """Service -> its default, as written in the environment."""
    readers: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.variable.name


def service_settings() -> dict[str, type[ServiceSettings]]:
    """Each deployable service's settings model: the one ``ServiceSettings`` subclass its
    ``<service>.settings`` module defines."""
    found: dict[str, type[ServiceSettings]] = {}
    for spec in SERVICES:
        module = importlib.import_module(f"{spec.module}.settings")
        models = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ServiceSettings)
            and value.__module__ == module.__name__
        ]
        if len(models) != 1:
            raise LookupError(f"{module.__name__} defines {len(models)} ServiceSettings models")
        found[spec.name] = models[0]
    return found


def settings() -> list[Setting]:
    """Every variable, grouped by the model that introduces it, in declaration order."""
    seen: dict[str, tuple[Variable, type[BaseSettings], dict[str, str]]] = {}
    for service, model in service_settings().items():
        for variable in environment(model):
            section = _introduced_by(variable)
            entry = seen.setdefault(variable.name, (variable, section, {}))
            entry[2][service] = variable.default_text
    order = [*SECTIONS, *service_settings().values()]
    result = [
        Setting(variable, section, defaults, _readers(variable.name, section, defaults))
        for variable, section, defaults in seen.values()
    ]
    return sorted(result, key=lambda s: order.index(s.section))


def _introduced_by(variable: Variable) -> type[BaseSettings]:
    """The most basic model declaring the field: a service's redeclared default stays in the
    chassis's section."""
    name = variable.attribute
    declaring = [
        cls
        for cls in variable.model.__mro__
        if isinstance(cls, type)
        and issubclass(cls, BaseSettings)
        and cls is not BaseSettings
        and name in cls.model_fields
    ]
    return declaring[-1]


def _readers(name: str, section: type[BaseSettings], defaults: dict[str, str]) -> tuple[str, ...]:
    return (*defaults, *TOOLS.get(section, ()), *RAW_READERS.get(name, ()))


def type_text(field: FieldInfo) -> str:
    """The type as an operator writes it, with its bounds."""
    bounds = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "min_length": "items ≥"}
    limits = [
        f"{symbol} {getattr(m, attribute)}"
        for m in field.metadata  # annotated_types' Ge(ge=...), MinLen(min_length=...)...
        for attribute, symbol in bounds.items()
        if getattr(m, attribute, None) is not None
    ]
    return ", ".join([_type_name(field.annotation), *limits])


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return " or ".join(_type_name(a) for a in get_args(annotation) if a is not NoneType)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in get_args(annotation))
    if origin in (tuple, list):
        return f"JSON list of {_type_name(get_args(annotation)[0])}s"
    names = {
        str: "string",
        int: "integer",
        float: "number",
        bool: "`true` or `false`",
        Path: "file path",
        SecretStr: "secret string",
    }
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default_cell(setting: Setting) -> str:
    if setting.variable.secret:
        return "none (a secret)"
    values = set(setting.defaults.values())
    if len(values) == 1:
        value = values.pop()
        return f"`{value}`" if value else "unset"
    return "<br>".join(f"{s}: `{v}`" if v else f"{s}: unset" for s, v in setting.defaults.items())


def _paragraphs(*texts: str) -> list[str]:
    """Markdown paragraphs, each filled and followed by a blank line."""
    return [line for text in texts for line in (*textwrap.wrap(text, 96), "")]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _title(section: type[BaseSettings]) -> tuple[str, str]:
    if section in SECTIONS:
        return SECTIONS[section]
    service = next(s for s, m in service_settings().items() if m is section)
    return f"{service} only", f"`{section.__module__}.{section.__name__}`."


def markdown() -> str:
    """docs/configuration.md."""
    every = ", ".join(service_settings())
    lines = [
        "# Configuration reference",
        "",
        f"<!-- Generated by `{COMMAND}` (`make config-docs`) from the settings models. Edit",
        "     their field descriptions, not this file: a test fails while it is stale. -->",
        "",
        *_paragraphs(
            f"Every service ({every}) is configured by its environment alone: it reads no file. "
            "Names are case-insensitive. Defaults suit one machine (`make run`); the Kubernetes "
            "manifests set their own in `deploy/k8s/base/<service>/config.env` and mount secrets "
            "as files (the `*_FILE` variables). `.env.example`, at the repository's root, lists "
            "every variable at its default, to copy, edit and export.",
            "`python -m <service> --help` lists the variables that service reads, with their "
            "defaults, and starts nothing; so does the `--help` of each operator tool, run as "
            "`python -m convenio_chassis.<tool>` (`acl_admin`, `topics_admin`, `dlq_tool`, "
            "`migrations`). *Read by* names the services and tools that read a variable.",
            "A secret (`secret string`) has no default and is never shown. A value that is not "
            "valid stops the service at start-up with a message naming the variable.",
        ),
    ]
    current: type[BaseSettings] | None = None
    for setting in settings():
        if setting.section is not current:
            current = setting.section
            title, intro = _title(current)
            lines += [
                "",
                f"## {title}",
                "",
                intro,
                "",
                "| Variable | Type | Default | Read by | Description |",
                "|---|---|---|---|---|",
            ]
        lines.append(
            f"| `{setting.name}` | {_cell(type_text(setting.variable.field))} "
            f"| {_default_cell(setting)} | {', '.join(setting.readers)} "
            f"| {_cell(setting.variable.description)} |"
        )
    lines += [
        "",
        "## OpenTelemetry (`OTEL_*`)",
        "",
        *_paragraphs(
            f"Read by every service ({every}) through the OpenTelemetry SDK "
            "(`convenio_chassis.tracing`). The SDK's other variables (`OTEL_EXPORTER_OTLP_HEADERS`,"
            " `OTEL_BSP_*`...) work as it documents them.",
        ),
        "| Variable | Default | Description |",
        "|---|---|---|",
        *(f"| `{n}` | {f'`{d}`' if d else 'unset'} | {_cell(text)} |" for n, d, text in OTEL),
    ]
    return "\n".join(lines) + "\n"


def env_example() -> str:
    """.env.example: every variable, commented out at its default."""
    lines = [
        "# Every environment variable the Convenio services read, at its default (commented out).",
        f"# Generated by `{COMMAND}`",
        "# (make config-docs) from the settings models; docs/configuration.md describes each.",
        "#",
        "# Nothing reads this file by itself. Copy it to .env (git ignores .env), uncomment what",
        "# you change, and export it into the shell that starts a service:",
        "#     set -a; . ./.env; set +a; uv run python -m enrolment",
        "# One file serves one process: where the services' defaults differ, the line shows the",
        "# first one and its comment the others.",
    ]
    current: type[BaseSettings] | None = None
    for setting in settings():
        if setting.section is not current:
            current = setting.section
            lines += ["", f"## {_title(current)[0].replace('`', '')}"]
        lines += ["", *_wrapped(setting.variable.description)]
        lines.append(_assignment(setting))
    lines += ["", "## OpenTelemetry (OTEL_*)"]
    for name, default, text in OTEL:
        lines += ["", *_wrapped(text.replace("`", ""))]
        lines.append(f"# {name}={shlex.quote(default) if default else ''}".rstrip())
    return "\n".join(lines) + "\n"


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), 97, initial_indent="# ", subsequent_indent="# ")


def _assignment(setting: Setting) -> str:
    if setting.variable.secret:
        return f"# {setting.name}=    # a secret: no default"
    values = list(setting.defaults.items())
    first = values[0][1]
    line = f"# {setting.name}={shlex.quote(first) if first else ''}"
    if len({v for _, v in values}) > 1:
        others = ", ".join(f"{s}: {v or 'unset'}" for s, v in values[1:])
        line += f"    # {values[0][0]}'s default; {others}"
    return line


def expected() -> dict[Path, str]:
    return {DOC: markdown(), ENV_EXAMPLE: env_example()}


def drift(root: Path = REPO) -> list[Path]:
    """The generated files whose committed copy differs from what the models say."""
    return [p for p, text in expected().items() if _read(root / p) != text]


def write(root: Path = REPO) -> list[Path]:
    changed = drift(root)
    for path in changed:
        (root / path).write_text(expected()[path])
    return changed


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


def names() -> Iterable[str]:
    """Every variable the reference documents."""
    return [*(s.name for s in settings()), *(n for n, _, _ in OTEL)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convenio_deploy.configuration",
        description=(__doc__ or "").splitlines()[0],
    )
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    if args.command == "write":
        changed = write()
        print(f"{len(changed)} file(s) rewritten: {', '.join(map(str, changed)) or '-'}")
        return 0
    stale = drift()
    for path in stale:
        print(f"{path} differs from the settings models: run `make config-docs`")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
