"""Which real Kafka broker and PostgreSQL server a test run uses, and how each is started.

The rule is the same for both, in this order:

1. an address the caller gives (``KAFKA_BOOTSTRAP_SERVERS``, ``TEST_DATABASE_URL``);
2. a container started with testcontainers, where a Docker engine answers;
3. a server of our own on 127.0.0.1: the broker from Maven Central jars
   (``deploy/local/kafka_local.py``), PostgreSQL from Debian's packages
   (``deploy/local/postgres.sh``, which installs it when it is missing).

Nothing here is an in-memory stand-in, and nothing falls back silently: the run prints which
source it took (``pytest``'s header and summary), and a source that fails to start fails the
tests that need it.
"""

from __future__ import annotations

import enum
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_SCRIPT = ROOT / "deploy" / "local" / "postgres.sh"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.9.0"
POSTGRES_IMAGE = "postgres:16-alpine"


def uv_executable() -> str:
    """The ``uv`` the Makefile uses: its ``UV`` (exported to the tests), else the one on PATH,
    else where ``make setup`` installs it. A fresh shell's PATH need not hold ``~/.local/bin``."""
    for candidate in (os.environ.get("UV"), shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    fallback = Path.home() / ".local" / "bin" / "uv"
    assert fallback.is_file(), "uv not found: run `make setup`, which installs it"
    return str(fallback)


class Source(enum.StrEnum):
    ENVIRONMENT = "environment"
    TESTCONTAINERS = "testcontainers"
    LOCAL = "local"


def docker_reachable() -> bool:
    """True when a Docker engine answers a ping (the client alone is not enough)."""
    try:
        import docker
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def kafka_source(environ: Mapping[str, str], docker: bool) -> Source:
    if environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return Source.ENVIRONMENT
    return Source.TESTCONTAINERS if docker else Source.LOCAL


def postgres_source(environ: Mapping[str, str], docker: bool) -> Source:
    if environ.get("TEST_DATABASE_URL"):
        return Source.ENVIRONMENT
    return Source.TESTCONTAINERS if docker else Source.LOCAL


USED: dict[str, str] = {}
"""What this run used, by kind ("Kafka", "PostgreSQL"), for the closing summary."""


@contextmanager
def kafka_container() -> Iterator[str]:
    from testcontainers.community.kafka import KafkaContainer

    with KafkaContainer(KAFKA_IMAGE).with_kraft() as container:
        yield container.get_bootstrap_server()


@contextmanager
def postgres_container() -> Iterator[str]:
    from testcontainers.community.postgres import PostgresContainer

    with PostgresContainer(POSTGRES_IMAGE, driver="psycopg") as container:
        yield container.get_connection_url()


@contextmanager
def local_postgres() -> Iterator[str]:
    """A throw-away server from Debian's packages, stopped (and its data removed) on exit.

    Its directory is made under the system's temporary directory and opened to others,
    because PostgreSQL refuses to run as root and its own user must reach the data and the
    socket (pytest's temporary directories are private to the user who runs the tests)."""
    directory = Path(tempfile.mkdtemp(prefix="convenio-test-pg."))
    directory.chmod(0o755)
    up = subprocess.run(
        ["bash", str(POSTGRES_SCRIPT), "up", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if up.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"deploy/local/postgres.sh up failed:\n{up.stderr[-4000:]}")
    url = up.stdout.strip().removeprefix("export TEST_DATABASE_URL=")
    try:
        yield url
    finally:
        subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), "down", str(directory)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def postgres(environ: Mapping[str, str] = os.environ) -> Iterator[tuple[str, str]]:
    """(url, description) of the PostgreSQL server this run uses."""
    source = postgres_source(environ, not environ.get("TEST_DATABASE_URL") and docker_reachable())
    if source is Source.ENVIRONMENT:
        yield environ["TEST_DATABASE_URL"], "TEST_DATABASE_URL"
    elif source is Source.TESTCONTAINERS:
        with postgres_container() as url:
            yield url, f"testcontainers {POSTGRES_IMAGE}"
    else:
        with local_postgres() as url:
            yield url, "Debian's PostgreSQL on 127.0.0.1 (deploy/local/postgres.sh)"
