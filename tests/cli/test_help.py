"""Every entry point answers ``--help`` and exits 0 without starting anything: no settings
read, no database opened, no port bound, no broker called. A service given no option runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from convenio_chassis import cli
from convenio_chassis.settings import KafkaSettings, ServiceSettings, environment
from enrolment.settings import EnrolmentSettings
from evaluation.settings import EvaluationSettings
from reporting.settings import ReportingSettings

SERVICES = {
    "enrolment": EnrolmentSettings,
    "evaluation": EvaluationSettings,
    "reporting": ReportingSettings,
}
TOOLS = {
    "convenio_chassis.topics_admin": KafkaSettings,
    "convenio_chassis.acl_admin": KafkaSettings,
    "convenio_chassis.dlq_tool": KafkaSettings,
}
PASSWORD = "never-printed-7f3a"


def _run(module: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The module as a process, in an environment it could not start with: an invalid Kafka
    setting (SASL without a user), a broker that does not exist, a database in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "DATABASE_URL"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_PASSWORD": PASSWORD,
        "HTTP_PORT": "9",
    }
    # A started service would serve until killed: the timeout fails the test.
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("module", [*SERVICES, *TOOLS])
def test_help_describes_the_entry_point_and_starts_nothing(module: str, tmp_path: Path) -> None:
    done = _run(module, "--help", tmp_path=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"usage: python -m {module} ")
    assert cli.REFERENCE in done.stdout
    model = SERVICES.get(module) or TOOLS[module]
    listed = {line.split("=")[0].strip() for line in done.stdout.splitlines() if "=" in line}
    assert {v.name for v in environment(model)} <= listed
    assert PASSWORD not in done.stdout
    assert not (tmp_path / "service.db").exists()


@pytest.mark.parametrize("module", [*SERVICES, *TOOLS])
def test_an_unknown_option_is_refused_before_anything_starts(module: str, tmp_path: Path) -> None:
    done = _run(module, "--no-such-option", tmp_path=tmp_path)
    assert done.returncode == 2
    assert f"python -m {module}: error: " in done.stderr
    assert not (tmp_path / "service.db").exists()


def test_a_services_help_shows_its_own_defaults_and_no_secret() -> None:
    text = cli.environment_help([EvaluationSettings])
    assert "  HTTP_PORT=8002" in text.splitlines()
    assert "  DATABASE_URL=sqlite:///var/evaluation.db" in text.splitlines()
    assert "  EXPIRY_ALERT_DAYS=[180, 90, 30]" in text.splitlines()
    assert "  KAFKA_SASL_PASSWORD=<secret>" in text.splitlines()


def test_help_builds_no_app_and_without_options_the_service_is_built_and_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[ServiceSettings] = []
    served: list[object] = []

    def build(settings: EnrolmentSettings) -> object:
        built.append(settings)
        return "app"

    import convenio_chassis.runtime as runtime

    monkeypatch.setattr(runtime, "serve", lambda app, settings: served.append((app, settings)))
    with pytest.raises(SystemExit) as exit_:
        cli.run_service("enrolment", EnrolmentSettings, build, ["--help"])  # type: ignore[arg-type]
    assert (exit_.value.code, built, served) == (0, [], [])

    cli.run_service("enrolment", EnrolmentSettings, build, [])  # type: ignore[arg-type]
    assert [type(s) for s in built] == [EnrolmentSettings]
    assert served == [("app", built[0])]
