"""Alembic's entry point for the reporting service; the chassis does the work."""

from __future__ import annotations

from convenio_chassis.migrations import run_environment
from reporting.migrations import METADATA

run_environment(METADATA)
