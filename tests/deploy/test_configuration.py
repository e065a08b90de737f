"""One reference for configuration: docs/configuration.md and .env.example are generated from
the services' settings models, hold every variable, and are what the generator writes today.
After a change to a settings model: `make config-docs` (python -m convenio_deploy.configuration
write)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal, get_args, get_origin

import pytest
import yaml
from pydantic_settings import BaseSettings

from convenio_chassis.settings import ServiceSettings, Variable, environment
from convenio_deploy import configuration
from convenio_deploy.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
FIX = "run `make config-docs` (python -m convenio_deploy.configuration write)"


def _every_variable() -> list[tuple[str, Variable]]:
    """Straight from the models, not through the generator's grouping."""
    return [
        (service, v)
        for service, model in configuration.service_settings().items()
        for v in environment(model)
    ]


def test_the_committed_reference_is_the_generated_one() -> None:
    assert configuration.drift() == [], f"stale configuration reference: {FIX}"


def test_every_service_has_its_settings_in_the_reference() -> None:
    assert set(configuration.service_settings()) == {s.name for s in SERVICES}


@pytest.mark.parametrize("path", [configuration.DOC, configuration.ENV_EXAMPLE], ids=str)
def test_every_setting_is_in_the_committed_file(path: Path) -> None:
    text = (ROOT / path).read_text()
    pattern = "`{}`" if path == configuration.DOC else "# {}="
    wanted = {v.name for _, v in _every_variable()} | {n for n, _, _ in configuration.OTEL}
    missing = sorted(n for n in wanted if pattern.format(n) not in text)
    assert missing == [], f"{path} lacks {missing}: {FIX}"


def test_every_setting_says_what_it_does() -> None:
    undescribed = sorted({v.name for _, v in _every_variable() if not v.description.strip()})
    assert undescribed == [], "give these fields a Field(description=...)"


def test_a_secret_shows_no_default_anywhere() -> None:
    secrets = [v for _, v in _every_variable() if v.secret]
    assert {v.name for v in secrets} >= {"KAFKA_SASL_PASSWORD", "KAFKA_SSL_KEY_PASSWORD"}
    doc = (ROOT / configuration.DOC).read_text().splitlines()
    example = (ROOT / configuration.ENV_EXAMPLE).read_text().splitlines()
    for variable in secrets:
        row = next(line for line in doc if line.startswith(f"| `{variable.name}` |"))
        assert row.split(" | ")[2] == "none (a secret)"
        assignment = next(line for line in example if line.startswith(f"# {variable.name}="))
        assert assignment.partition("=")[2].strip().startswith("#")


def test_the_documented_names_are_the_ones_the_models_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each variable, set alone in the environment, changes exactly its field: the names the
    reference prints are the names pydantic-settings reads."""
    for name in {v.name for _, v in _every_variable()}:
        monkeypatch.delenv(name, raising=False)
    for service, variable in _every_variable():
        value, expected = _sample(variable, tmp_path)
        with monkeypatch.context() as env:
            env.setenv(variable.name, value)
            model = configuration.service_settings()[service]
            got = _field_value(model(), variable)
        assert got == expected, f"{service}: {variable.name}={value} was not read"


def _sample(variable: Variable, tmp_path: Path) -> tuple[str, object]:
    """A valid value other than the default, as the environment spells it and as parsed."""
    annotation, default = variable.field.annotation, variable.default
    allowed = set(get_args(annotation)) or {annotation}
    if variable.secret:
        return "s3cret", "s3cret"
    if Path in allowed:
        path = tmp_path / variable.name.lower()
        path.write_text("from-a-file\n")
        return str(path), path
    if variable.name == "OFFICER_LOOKUP_RATE":  # the ``limits`` notation
        return "10/hour", "10/hour"
    if variable.name == "KAFKA_SECURITY_PROTOCOL":  # SASL_* would also need credentials
        return "SSL", "SSL"
    if get_origin(annotation) is Literal:
        other = next(c for c in get_args(annotation) if c != default)
        return other, other
    if annotation is bool:
        return str(not default).lower(), not default
    if get_origin(annotation) is tuple and get_args(annotation)[0] is str:
        return '["ES384"]', ("ES384",)  # HTTP_AUTH_ALGORITHMS: a valid one, not the default
    if get_origin(annotation) is tuple:
        return "[5, 1]", (5, 1)
    if annotation is dt.date:
        return "2019-06-30", dt.date(2019, 6, 30)
    if get_origin(annotation) is list:
        return '["/agency/a", "/agency/b"]', ["/agency/a", "/agency/b"]
    if annotation is float:
        return ("0.5", 0.5) if default != 0.5 else ("0.25", 0.25)
    if annotation is int:
        return ("7", 7) if default != 7 else ("9", 9)
    return "changed", "changed"


def _field_value(settings: ServiceSettings, variable: Variable) -> object:
    holder: BaseSettings = settings
    if variable.model is not type(settings):
        holder = next(v for v in vars(settings).values() if isinstance(v, variable.model))
    value = getattr(holder, variable.attribute)
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


_RAW_READ = re.compile(r"""(?:environ\.get\(|environ\[|getenv\()\s*["']([A-Z][A-Z0-9_]+)["']""")
_OTEL_NAME = re.compile(r"""["'](OTEL_[A-Z0-9_]+)["']""")


def test_variables_read_outside_the_models_are_documented() -> None:
    """A service or tool reading ``os.environ`` directly names only documented variables
    (the test fixtures' own, in ``testing.py``, configure tests, not services)."""
    documented = set(configuration.names())
    sources = [p for p in ROOT.glob("services/*/src/**/*.py") if p.name != "testing.py"]
    read = {
        (p.relative_to(ROOT), name)
        for p in sources
        for pattern in (_RAW_READ, _OTEL_NAME)
        for name in pattern.findall(p.read_text())
    }
    assert {n for _, n in read} >= {"OTEL_SDK_DISABLED", "DATABASE_URL"}
    assert sorted((str(p), n) for p, n in read if n not in documented) == []


def test_the_deployments_set_only_documented_variables() -> None:
    """A misspelt variable in Kubernetes or compose would be ignored without a word."""
    documented = set(configuration.names())
    used: set[tuple[str, str]] = set()
    for spec in SERVICES:
        base = ROOT / "deploy" / "k8s" / "base" / spec.name
        for line in (base / "config.env").read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                used.add((f"{spec.name}/config.env", line.partition("=")[0]))
        for doc in yaml.safe_load_all((base / "workload.yaml").read_text()):
            if doc and doc.get("kind") == "Deployment":
                pod = doc["spec"]["template"]["spec"]
                for container in [*pod.get("initContainers", []), *pod["containers"]]:
                    used |= {
                        (f"{spec.name}/workload.yaml", e["name"]) for e in container.get("env", [])
                    }
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for spec in SERVICES:
        used |= {("docker-compose.yml", n) for n in compose["services"][spec.name]["environment"]}
    assert {n for _, n in used} >= {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"}
    assert sorted((where, n) for where, n in used if n not in documented) == []
