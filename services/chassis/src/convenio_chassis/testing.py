"""Pytest fixtures shared by every service's tests (loaded by the root ``conftest.py``).

``recorded_spans`` collects the spans a test produces, to assert on traces without a collector.

``database_url`` runs a store test on SQLite and on PostgreSQL. PostgreSQL comes from
``TEST_DATABASE_URL`` (``.ci/run`` starts one); without it the PostgreSQL case is skipped
with a loud reason, and under CI it fails instead, because CI has PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, text

from .db import _normalise


def _postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _normalise(url)
    if os.environ.get("CI"):
        pytest.fail("TEST_DATABASE_URL is unset under CI: .ci/run must start PostgreSQL")
    pytest.skip("NO POSTGRESQL: TEST_DATABASE_URL unset, PostgreSQL store test NOT RUN")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
        return
    base = _postgres_url()
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
