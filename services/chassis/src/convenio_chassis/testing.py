"""Pytest fixtures shared by every service's tests (loaded by the root ``conftest.py``).

``recorded_spans`` collects the spans a test produces, to assert on traces without a collector.

``database_url`` runs a store test on SQLite and on PostgreSQL. The PostgreSQL server is the
session's ``postgres_server`` fixture, which the repository's root ``conftest.py`` provides
(``TEST_DATABASE_URL``, a testcontainer, or Debian's PostgreSQL started for the run); a test
run without it fails, it never skips. ``postgres_url`` is the PostgreSQL case alone, for what
only PostgreSQL has.

``local_issuer`` is an identity provider of the test's own: a key pair generated for it, the
settings that make a service trust it, and bearer tokens for any role (ADR 0085).

``check_migrations`` and ``check_downgrade`` hold the checks every service runs on its
migrations, so each service's tests say only which service.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from . import migrations
from .db import _normalise, make_engine
from .local_issuer import LocalIssuer


def _postgres_url(request: pytest.FixtureRequest) -> str:
    return _normalise(str(request.getfixturevalue("postgres_server")))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
        return
    with _fresh_schema(_postgres_url(request)) as url:
        yield url


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema (tests using it are marked ``postgres``)."""
    with _fresh_schema(_postgres_url(request)) as url:
        yield url


@contextmanager
def _fresh_schema(base: str) -> Iterator[str]:
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def table_names(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def check_migrations(database_url: str, service: str, tables: tuple[type[SQLModel], ...]) -> None:
    """An empty database upgraded to the newest revision holds exactly the service's tables and
    the chassis's, as the models describe them (autogenerate finds nothing to change)."""
    engine = make_engine(database_url)
    try:
        migrations.upgrade(engine, service)
        assert migrations.current(engine, service) == (migrations.head(service),)
        assert migrations.differences(engine, service) == []
    finally:
        engine.dispose()
    own = {t.__tablename__ for t in (*migrations.CHASSIS_TABLES, *tables)}
    assert table_names(database_url) == own | {migrations.version_table(service)}


def check_downgrade(database_url: str, service: str) -> None:
    """Down to base from the newest revision leaves only Alembic's (empty) version table."""
    engine = make_engine(database_url)
    try:
        migrations.upgrade(engine, service)
        migrations.downgrade(engine, service, "base")
        assert migrations.current(engine, service) == ()
    finally:
        engine.dispose()
    assert table_names(database_url) == {migrations.version_table(service)}


@pytest.fixture
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """Spans finished during the test, in memory. The process's tracer provider can be set only
    once, so the exporter joins the provider already installed, or installs one."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = _session_exporter(provider)
    exporter.clear()
    yield exporter
    exporter.clear()


_EXPORTERS: dict[int, InMemorySpanExporter] = {}


def _session_exporter(provider: TracerProvider) -> InMemorySpanExporter:
    if id(provider) not in _EXPORTERS:
        exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        _EXPORTERS[id(provider)] = exporter
    return _EXPORTERS[id(provider)]


@pytest.fixture(scope="session")
def local_issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    """An identity provider whose key pair is generated for this test session alone."""
    return LocalIssuer(tmp_path_factory.mktemp("issuer"))
